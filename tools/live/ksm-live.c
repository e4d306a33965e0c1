// ksm-live: replays a small line-based op script on the real kernel, so ksmbench can compare
// the simulator's counters with what mm/ksm.c does. One process, private anonymous memory,
// no THP (MADV_NOHUGEPAGE, as the selftests do) unless a region asks for it. Ops, one per line:
//   mmap <region> <pages> [noreserve] [thp|default]
//                                            a multiple of 2 MiB is placed 2 MiB aligned (as
//                                            thp_get_unmapped_area does); right after the mmap
//                                            MADV_NOHUGEPAGE, or MADV_HUGEPAGE (thp), or neither (default)
//   fill <region> <from> <pages> <content>   content 0 = all zeroes; else the id in every 8 bytes
//   madvise <region> <from> <pages> mergeable|unmergeable|hugepage|nohugepage
//   mprotect <region> <from> <pages> r|rw|none
//   munmap <region> <from> <pages>
//   mremap <region> <from> <pages> <to>      move pages to page offset <to> of the region (MREMAP_FIXED)
//   scans <n>                                run=1, wait until full_scans grew by n, run=0 (60 s limit):
//                                            ksmd stops between ops, as in the simulator
//   stat                                     print "stat <name> <value>" for every line of /proc/self/ksm_stat
//                                            (the colon of "ksm_merge_any: yes" dropped)
//   sysfs <name>                             print "sysfs <name> <value>"
//   thp <region> <min>                       print "thp <region> <kB>": AnonHugePages of the region's
//                                            mappings (/proc/self/smaps); exit 3 when below <min> THPs
// Exit 0 on success, 1 on an error, 3 when the kernel did not give the THPs asked for (message on stderr).
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_REGIONS 64
#define PMD_BYTES (2UL << 20)
static struct { char name[64]; char *base; long pages; } regions[MAX_REGIONS];
static int nregions;
static long page_size;

static char *region(const char *name, long *pages) {
	for (int i = 0; i < nregions; i++)
		if (!strcmp(regions[i].name, name)) { *pages = regions[i].pages; return regions[i].base; }
	fprintf(stderr, "ksm-live: no region %s\n", name);
	exit(1);
}

static void write_run(const char *v) {
	FILE *f = fopen("/sys/kernel/mm/ksm/run", "w");
	if (!f || fputs(v, f) < 0 || fclose(f)) { perror("ksm-live: /sys/kernel/mm/ksm/run"); exit(1); }
}

static long read_long(const char *path) {
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f || fscanf(f, "%ld", &v) != 1) { fprintf(stderr, "ksm-live: cannot read %s\n", path); exit(1); }
	fclose(f);
	return v;
}

/* AnonHugePages (kB) of the mappings of /proc/self/smaps inside [lo, hi) */
static long anon_huge_kb(uintptr_t lo, uintptr_t hi) {
	FILE *f = fopen("/proc/self/smaps", "r");
	char l[512];
	long total = 0, kb;
	int inside = 0;
	if (!f) { perror("ksm-live: /proc/self/smaps"); exit(1); }
	while (fgets(l, sizeof l, f)) {
		unsigned long s, e;
		if (sscanf(l, "%lx-%lx ", &s, &e) == 2) inside = s >= lo && e <= hi;
		else if (inside && sscanf(l, "AnonHugePages: %ld kB", &kb) == 1) total += kb;
	}
	fclose(f);
	return total;
}

int main(void) {
	char line[512];
	page_size = sysconf(_SC_PAGESIZE);
	while (fgets(line, sizeof line, stdin)) {
		char op[32], a[64], b[64];
		long x = 0, y = 0;
		unsigned long long c = 0;
		if (sscanf(line, "%31s", op) != 1) continue;
		if (!strcmp(op, "mmap") && sscanf(line, "%*s %63s %ld", a, &x) == 2) {
			int noreserve = 0, advice = MADV_NOHUGEPAGE;
			char w1[32] = "", w2[32] = "";
			sscanf(line, "%*s %*s %*s %31s %31s", w1, w2);
			for (char *w = w1; w; w = w == w1 ? w2 : NULL) {
				if (!*w) continue;
				if (!strcmp(w, "noreserve")) noreserve = 1;
				else if (!strcmp(w, "thp")) advice = MADV_HUGEPAGE;
				else if (!strcmp(w, "default")) advice = -1;
				else { fprintf(stderr, "ksm-live: bad mmap word %s\n", w); return 1; }
			}
			int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
			if (nregions == MAX_REGIONS) { fprintf(stderr, "ksm-live: too many regions\n"); return 1; }
			size_t len = x * page_size;
			int aligned = len % PMD_BYTES == 0;
			/* a multiple of 2 MiB: reserve 2 MiB more, then unmap the head and tail around the aligned part */
			char *p = mmap(NULL, aligned ? len + PMD_BYTES : len, PROT_READ | PROT_WRITE, flags, -1, 0);
			if (p == MAP_FAILED) { perror("ksm-live: mmap"); return 1; }
			if (aligned) {
				char *a0 = (char *)(((uintptr_t)p + PMD_BYTES - 1) & ~(uintptr_t)(PMD_BYTES - 1));
				if (a0 > p) munmap(p, a0 - p);
				if (a0 + len < p + len + PMD_BYTES) munmap(a0 + len, p + len + PMD_BYTES - (a0 + len));
				p = a0;
			}
			if (advice >= 0 && madvise(p, len, advice)) { perror("ksm-live: madvise (no)hugepage"); return 1; }
			snprintf(regions[nregions].name, sizeof regions[nregions].name, "%s", a);
			regions[nregions].base = p;
			regions[nregions++].pages = x;
		} else if (!strcmp(op, "fill") && sscanf(line, "%*s %63s %ld %ld %llu", a, &x, &y, &c) == 4) {
			long pages;
			char *p = region(a, &pages);
			for (long i = x; i < x + y && i < pages; i++) {
				uint64_t *w = (uint64_t *)(p + i * page_size);
				for (long k = 0; k < page_size / 8; k++) w[k] = c;
			}
		} else if (!strcmp(op, "madvise") && sscanf(line, "%*s %63s %ld %ld %63s", a, &x, &y, b) == 4) {
			long pages;
			char *p = region(a, &pages);
			int advice = !strcmp(b, "mergeable") ? MADV_MERGEABLE : !strcmp(b, "unmergeable") ? MADV_UNMERGEABLE
				: !strcmp(b, "hugepage") ? MADV_HUGEPAGE : !strcmp(b, "nohugepage") ? MADV_NOHUGEPAGE : -1;
			if (advice < 0) { fprintf(stderr, "ksm-live: bad advice %s\n", b); return 1; }
			if (madvise(p + x * page_size, y * page_size, advice)) { perror("ksm-live: madvise"); return 1; }
		} else if (!strcmp(op, "mprotect") && sscanf(line, "%*s %63s %ld %ld %63s", a, &x, &y, b) == 4) {
			long pages;
			char *p = region(a, &pages);
			int prot = !strcmp(b, "rw") ? PROT_READ | PROT_WRITE : !strcmp(b, "r") ? PROT_READ : PROT_NONE;
			if (mprotect(p + x * page_size, y * page_size, prot)) { perror("ksm-live: mprotect"); return 1; }
		} else if (!strcmp(op, "munmap") && sscanf(line, "%*s %63s %ld %ld", a, &x, &y) == 3) {
			long pages;
			char *p = region(a, &pages);
			if (munmap(p + x * page_size, y * page_size)) { perror("ksm-live: munmap"); return 1; }
		} else if (!strcmp(op, "mremap") && sscanf(line, "%*s %63s %ld %ld %llu", a, &x, &y, &c) == 4) {
			long pages;
			char *p = region(a, &pages);
			if (mremap(p + x * page_size, y * page_size, y * page_size, MREMAP_MAYMOVE | MREMAP_FIXED, p + c * page_size) == MAP_FAILED) {
				perror("ksm-live: mremap");
				return 1;
			}
		} else if (!strcmp(op, "scans") && sscanf(line, "%*s %ld", &x) == 1) {
			long start = read_long("/sys/kernel/mm/ksm/full_scans");
			time_t t0 = time(NULL);
			write_run("1");
			while (read_long("/sys/kernel/mm/ksm/full_scans") < start + x) {
				if (time(NULL) - t0 > 60) { write_run("0"); fprintf(stderr, "ksm-live: %ld full scans did not complete in 60 s\n", x); return 1; }
				usleep(500);
			}
			write_run("0");
		} else if (!strcmp(op, "stat")) {
			/* every line as the kernel prints it: "name value" or "name: value" (6.14+ yes/no lines) */
			FILE *f = fopen("/proc/self/ksm_stat", "r");
			char l[256], name[64], value[64];
			if (!f) { perror("ksm-live: /proc/self/ksm_stat"); return 1; }
			while (fgets(l, sizeof l, f)) {
				if (sscanf(l, "%63s %63s", name, value) != 2) continue;
				size_t n = strlen(name);
				if (n && name[n - 1] == ':') name[n - 1] = 0;
				printf("stat %s %s\n", name, value);
			}
			fclose(f);
		} else if (!strcmp(op, "sysfs") && sscanf(line, "%*s %63s", a) == 1) {
			char path[128];
			snprintf(path, sizeof path, "/sys/kernel/mm/ksm/%s", a);
			printf("sysfs %s %ld\n", a, read_long(path));
		} else if (!strcmp(op, "thp") && sscanf(line, "%*s %63s %ld", a, &x) == 2) {
			long pages;
			char *p = region(a, &pages);
			long kb = anon_huge_kb((uintptr_t)p, (uintptr_t)(p + pages * page_size));
			printf("thp %s %ld\n", a, kb);
			if (kb < x * (long)(PMD_BYTES >> 10)) {
				fprintf(stderr, "ksm-live: no THP: region %s has %ld kB AnonHugePages, %ld THP(s) of 2 MiB expected (the kernel fell back to small pages: fragmentation or THP limits)\n", a, kb, x);
				return 3;
			}
		} else {
			fprintf(stderr, "ksm-live: bad line: %s", line);
			return 1;
		}
		fflush(stdout);
	}
	return 0;
}
