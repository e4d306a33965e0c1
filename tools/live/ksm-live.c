// ksm-live: replays a ksmbench scenario on the real kernel, step by step, so ksmbench can put
// the kernel's KSM counters beside the simulator's at every checkpoint. The script (stdin) is
// read whole first; every line is one step "<owner> <op> args…", run in order by its owner:
// a scenario process (a real process: spawned by the coordinator, or a real fork of another) or
// the coordinator "-". Steps are sequenced through a shared counter (futex), so the processes
// run the script in its order and print in it. Private anonymous memory, MADV_NOHUGEPAGE after
// each mmap unless the region asks for THP.
//   - spawn <proc>                           a fresh process (forked from the coordinator)
//   P mmap <region> <pages> [noreserve] [thp|default]
//                                            a multiple of 2 MiB is placed 2 MiB aligned (as
//                                            thp_get_unmapped_area does); then MADV_NOHUGEPAGE,
//                                            MADV_HUGEPAGE (thp) or neither (default)
//   P fill <region> <from> <pages> <content> content 0 = all zeroes; else the id, big endian, in every 8
//                                            bytes (so memcmp orders pages as the simulator orders ids)
//   P read <region> <from> <pages>           read one byte of each page
//   P madvise <region> <from> <pages> mergeable|unmergeable|hugepage|nohugepage|dontneed
//   P mprotect <region> <from> <pages> r|rw|none
//   P munmap <region> <from> <pages>
//   P mremap <region> <from> <pages> <to>    move to page offset <to> of the region (MREMAP_FIXED)
//   P fork <child>                           a real fork: the child has the parent's regions
//   P exit                                   the process exits
//   P thp <region> <min>                     "thp <proc> <region> <kB>" (AnonHugePages, smaps); exit 3 below <min> THPs
//   - knob <name> <value>                    write /sys/kernel/mm/ksm/<name>: "knob <name> ok" or
//                                            "knob <name> err <errno>"; run 0/1 only sets whether
//                                            ksmd may run in ksmd steps (it is stopped between them)
//   - thpknob <name> <value>                 write /sys/kernel/mm/transparent_hugepage/<name> (a VM's)
//   - batches <n>                            exactly n ksmd wake-ups (batches): "cpu <ns> <ticks> <batches>"
//   - scans <n>                              batches until full_scans grew by n: "cpu …" as batches
//   - check <k>                              "check <k>", then per live process "stat <proc> <name> <value>"
//                                            and "merging <proc> <n>", then "sysfs <name> <value>"
// A system call the kernel refuses prints "err <step> <op> <errno>" and the replay goes on.
// Exit 0 on success, 1 on an error, 3 when the kernel did not give the THPs asked for.
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REGIONS 64
#define MAX_PROCS 64
#define MAX_STEPS 100000
#define PMD_BYTES (2UL << 20)
#define KSM "/sys/kernel/mm/ksm/"
/* ksmd's pause after a batch while the driver steps it: long, so no second batch can start
 * before run=0 is written however slow the machine; the driver ends it by changing the value */
#define STEP_SLEEP_MS 10000
static int step_sleep_toggle;

static struct { char name[64]; char *base; long pages; } regions[MAX_REGIONS];
static int nregions;
static long page_size;
static char *steps[MAX_STEPS];
static int nsteps;

/* shared by every process of the replay (MAP_SHARED before the first fork) */
struct shared {
	volatile int step;
	volatile int failed;
	int nprocs;
	struct { char name[64]; volatile pid_t pid; volatile int alive; int gone; } procs[MAX_PROCS];
};
static struct shared *sh;
static pid_t coordinator;
static const char *me = "-";

static void fail(const char *fmt, const char *a) {
	fprintf(stderr, "ksm-live: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, "\n");
	sh->failed = 1;
	sh->step = nsteps; /* everyone stops */
	syscall(SYS_futex, &sh->step, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
	exit(1);
}

static char *region(const char *name, long *pages) {
	for (int i = 0; i < nregions; i++)
		if (!strcmp(regions[i].name, name)) { *pages = regions[i].pages; return regions[i].base; }
	fail("no region %s", name);
	return NULL;
}

static int write_knob(const char *name, const char *v) {
	char path[128];
	snprintf(path, sizeof path, KSM "%s", name);
	FILE *f = fopen(path, "w");
	if (!f) return errno;
	int bad = fputs(v, f) < 0;
	int err = fclose(f) ? errno : 0; /* the store's error shows at the write-out in fclose */
	return bad ? EIO : err;
}

static long read_long(const char *path) {
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f) return -1;
	if (fscanf(f, "%ld", &v) != 1) v = -1;
	fclose(f);
	return v;
}

static long knob_long(const char *name) {
	char path[128];
	snprintf(path, sizeof path, KSM "%s", name);
	return read_long(path);
}

static void must_knob(const char *name, const char *v) {
	int e = write_knob(name, v);
	if (e) { char m[128]; snprintf(m, sizeof m, "cannot write %s to " KSM "%s: %s", v, name, strerror(e)); fail("%s", m); }
}

/* AnonHugePages (kB) of the mappings of /proc/self/smaps inside [lo, hi) */
static long anon_huge_kb(uintptr_t lo, uintptr_t hi) {
	FILE *f = fopen("/proc/self/smaps", "r");
	char l[512];
	long total = 0, kb;
	int inside = 0;
	if (!f) fail("%s", "cannot read /proc/self/smaps");
	while (fgets(l, sizeof l, f)) {
		unsigned long s, e;
		if (sscanf(l, "%lx-%lx ", &s, &e) == 2) inside = s >= lo && e <= hi;
		else if (inside && sscanf(l, "AnonHugePages: %ld kB", &kb) == 1) total += kb;
	}
	fclose(f);
	return total;
}

/* ---- ksmd: its pid, CPU time, and stepping it batch by batch ---- */
static pid_t ksmd_pid;

static pid_t find_ksmd(void) {
	char path[64], comm[32];
	for (pid_t p = 2; p < 4096; p++) {
		snprintf(path, sizeof path, "/proc/%d/comm", p);
		FILE *f = fopen(path, "r");
		if (!f) continue;
		int ok = fgets(comm, sizeof comm, f) && !strcmp(comm, "ksmd\n");
		fclose(f);
		if (ok) return p;
	}
	return -1;
}

/* ksmd's CPU time: schedstat's run time in ns (-1 without it), utime + stime in ticks */
static void ksmd_cpu(long long *ns, long long *ticks) {
	char path[64];
	*ns = -1;
	*ticks = -1;
	snprintf(path, sizeof path, "/proc/%d/schedstat", ksmd_pid);
	FILE *f = fopen(path, "r");
	if (f) { if (fscanf(f, "%lld", ns) != 1) *ns = -1; fclose(f); }
	snprintf(path, sizeof path, "/proc/%d/stat", ksmd_pid);
	f = fopen(path, "r");
	if (f) {
		char buf[1024];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = 0;
		char *p = strrchr(buf, ')'); /* fields after the comm: state is field 3, utime 14, stime 15 */
		long long u, s;
		if (p && sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lld %lld", &u, &s) == 2) *ticks = u + s;
		fclose(f);
	}
}

/* voluntary context switches of ksmd: it went to sleep (after a batch, or on a lock inside one) */
static long ksmd_vcs(void) {
	char path[64], l[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/status", ksmd_pid);
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	while (fgets(l, sizeof l, f)) if (sscanf(l, "voluntary_ctxt_switches: %ld", &v) == 1) break;
	fclose(f);
	return v;
}

static void sleep_ms(long ms) {
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* the scenario's run: 1 lets ksmd run in ksmd steps, 0 does not, 2 was written (unmerged) */
static int want_run = 1;

/* write sleep_millisecs (10000 or 10001): sleep_millisecs_store wakes ksmd from its pause */
static void end_pause(void) {
	char ms[16];
	step_sleep_toggle = !step_sleep_toggle;
	snprintf(ms, sizeof ms, "%d", STEP_SLEEP_MS + step_sleep_toggle);
	must_knob("sleep_millisecs", ms);
}

/* until ksmd made no voluntary switch for 20 ms: it went back to sleep and stays there */
static void settle(void) {
	long v = ksmd_vcs();
	for (int quiet = 0; quiet < 20;) {
		sleep_ms(1);
		long w = ksmd_vcs();
		if (w == v) quiet++;
		else { v = w; quiet = 0; }
	}
}

/*
 * One ksmd wake-up. ksmd is idle (run 0). run=1 wakes it (ksm_scan_thread: one ksm_do_scan
 * under ksm_thread_mutex); once it has slept again (a voluntary switch: the batch is under way
 * or over) run=0 takes the mutex, so the write returns when the batch is over. ksmd then
 * pauses STEP_SLEEP_MS (too long for a second batch to start before run=0 is written); the
 * pause is ended by changing sleep_millisecs, and ksmd, seeing run 0, goes idle. Where
 * pages_scanned exists (6.6+), a wake-up that scanned nothing and finished no pass is taken as
 * lost and repeated. Returns 0, or -1 when ksmd never ran.
 */
static int one_batch(void) {
	for (int attempt = 0; attempt < 5; attempt++) {
		long scanned = knob_long("pages_scanned"), full = knob_long("full_scans"), vcs = ksmd_vcs();
		must_knob("run", "1");
		time_t t0 = time(NULL);
		while (ksmd_vcs() == vcs) {
			if (time(NULL) - t0 > 30) { must_knob("run", "0"); return -1; }
			usleep(100);
		}
		must_knob("run", "0");
		end_pause();
		settle();
		if (scanned < 0 || knob_long("pages_scanned") != scanned || knob_long("full_scans") != full) return 0;
	}
	return -1;
}

static void ksmd_steps(long n, int scans) {
	long long ns0, t0, ns1, t1;
	long batches = 0;
	ksmd_cpu(&ns0, &t0);
	if (want_run == 1) {
		long target = knob_long("full_scans") + n;
		while (scans ? knob_long("full_scans") < target : batches < n) {
			if (one_batch()) fail("%s", "ksmd did not run a batch within 30 s");
			batches++;
		}
	}
	ksmd_cpu(&ns1, &t1);
	printf("cpu %lld %lld %ld\n", ns0 >= 0 && ns1 >= 0 ? ns1 - ns0 : -1, t0 >= 0 && t1 >= 0 ? t1 - t0 : -1, batches);
}

static const char *READ_BACK[] = { "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "pages_scanned",
	"pages_skipped", "ksm_zero_pages", "stable_node_chains", "stable_node_dups", "full_scans", "general_profit", NULL };

static void check(const char *k) {
	printf("check %s\n", k);
	for (int i = 0; i < sh->nprocs; i++) {
		if (!sh->procs[i].alive) continue;
		char path[64], l[256], name[64], value[64];
		snprintf(path, sizeof path, "/proc/%d/ksm_stat", sh->procs[i].pid);
		FILE *f = fopen(path, "r");
		if (f) {
			while (fgets(l, sizeof l, f)) {
				if (sscanf(l, "%63s %63s", name, value) != 2) continue;
				size_t n = strlen(name);
				if (n && name[n - 1] == ':') name[n - 1] = 0;
				printf("stat %s %s %s\n", sh->procs[i].name, name, value);
			}
			fclose(f);
		}
		snprintf(path, sizeof path, "/proc/%d/ksm_merging_pages", sh->procs[i].pid);
		long m = read_long(path);
		if (m >= 0) printf("merging %s %ld\n", sh->procs[i].name, m);
	}
	for (const char **n = READ_BACK; *n; n++) {
		/* the text as shown; a counter this kernel does not have (6.1: pages_scanned, …) is left out */
		char path[128], text[64] = "";
		snprintf(path, sizeof path, KSM "%s", *n);
		FILE *f = fopen(path, "r");
		if (!f) continue;
		if (fgets(text, sizeof text, f)) text[strcspn(text, "\n")] = 0;
		fclose(f);
		printf("sysfs %s %s\n", *n, text);
	}
}

/*
 * Until every process that exited is a zombie or reaped: its exit_mm (and, for the last user,
 * ksm_exit and the unmapping of its pages) is over. An exiting process passes its step on just
 * before _exit, so without this the next ksmd step could meet its pages still mapped.
 */
static void wait_exited(void) {
	for (int i = 0; i < sh->nprocs; i++) {
		if (sh->procs[i].alive || sh->procs[i].gone) continue;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%d/stat", sh->procs[i].pid);
		for (time_t t0 = time(NULL);;) {
			FILE *f = fopen(path, "r");
			if (!f) break; /* reaped */
			size_t n = fread(buf, 1, sizeof buf - 1, f);
			fclose(f);
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && (p[2] == 'Z' || p[2] == 'X')) break;
			if (time(NULL) - t0 > 30) fail("process %s did not exit within 30 s", sh->procs[i].name);
			usleep(200);
		}
		sh->procs[i].gone = 1;
	}
}

static int proc_slot(const char *name) {
	for (int i = 0; i < sh->nprocs; i++) if (!strcmp(sh->procs[i].name, name)) return i;
	return -1;
}

static void add_proc(const char *name, pid_t pid) {
	if (sh->nprocs == MAX_PROCS) fail("%s", "too many processes");
	int i = sh->nprocs;
	snprintf(sh->procs[i].name, sizeof sh->procs[i].name, "%s", name);
	sh->procs[i].pid = pid;
	sh->procs[i].alive = 1;
	__sync_synchronize();
	sh->nprocs = i + 1;
}

static void syscall_failed(int step, const char *op) {
	printf("err %d %s %s\n", step, op, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
}

/* one step of a scenario process */
static void proc_step(int step, char *line) {
	char op[32], a[64], b[64];
	long x = 0, y = 0;
	unsigned long long c = 0;
	if (sscanf(line, "%*s %31s", op) != 1) fail("bad line: %s", line);
	if (!strcmp(op, "mmap") && sscanf(line, "%*s %*s %63s %ld", a, &x) == 2) {
		int noreserve = 0, advice = MADV_NOHUGEPAGE;
		char w1[32] = "", w2[32] = "";
		sscanf(line, "%*s %*s %*s %*s %31s %31s", w1, w2);
		for (char *w = w1; w; w = w == w1 ? w2 : NULL) {
			if (!*w) continue;
			if (!strcmp(w, "noreserve")) noreserve = 1;
			else if (!strcmp(w, "thp")) advice = MADV_HUGEPAGE;
			else if (!strcmp(w, "default")) advice = -1;
			else fail("bad mmap word %s", w);
		}
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
		if (nregions == MAX_REGIONS) fail("%s", "too many regions");
		size_t len = x * page_size;
		int aligned = len % PMD_BYTES == 0;
		/* a multiple of 2 MiB: reserve 2 MiB more, then unmap the head and tail around the aligned part */
		char *p = mmap(NULL, aligned ? len + PMD_BYTES : len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED) { syscall_failed(step, op); return; }
		if (aligned) {
			char *a0 = (char *)(((uintptr_t)p + PMD_BYTES - 1) & ~(uintptr_t)(PMD_BYTES - 1));
			if (a0 > p) munmap(p, a0 - p);
			if (a0 + len < p + len + PMD_BYTES) munmap(a0 + len, p + len + PMD_BYTES - (a0 + len));
			p = a0;
		}
		if (advice >= 0 && madvise(p, len, advice)) fail("%s", "madvise (no)hugepage after mmap failed");
		snprintf(regions[nregions].name, sizeof regions[nregions].name, "%s", a);
		regions[nregions].base = p;
		regions[nregions++].pages = x;
	} else if (!strcmp(op, "fill") && sscanf(line, "%*s %*s %63s %ld %ld %llu", a, &x, &y, &c) == 4) {
		long pages;
		char *p = region(a, &pages);
		for (long i = x; i < x + y && i < pages; i++) {
			uint64_t *w = (uint64_t *)(p + i * page_size);
			for (long k = 0; k < page_size / 8; k++) w[k] = htobe64(c); /* big endian: memcmp orders pages as their ids */
		}
	} else if (!strcmp(op, "read") && sscanf(line, "%*s %*s %63s %ld %ld", a, &x, &y) == 3) {
		long pages;
		char *p = region(a, &pages);
		for (long i = x; i < x + y && i < pages; i++) (void)*(volatile char *)(p + i * page_size);
	} else if (!strcmp(op, "madvise") && sscanf(line, "%*s %*s %63s %ld %ld %63s", a, &x, &y, b) == 4) {
		long pages;
		char *p = region(a, &pages);
		int advice = !strcmp(b, "mergeable") ? MADV_MERGEABLE : !strcmp(b, "unmergeable") ? MADV_UNMERGEABLE
			: !strcmp(b, "hugepage") ? MADV_HUGEPAGE : !strcmp(b, "nohugepage") ? MADV_NOHUGEPAGE
			: !strcmp(b, "dontneed") ? MADV_DONTNEED : -1;
		if (advice < 0) fail("bad advice %s", b);
		if (madvise(p + x * page_size, y * page_size, advice)) syscall_failed(step, op);
	} else if (!strcmp(op, "mprotect") && sscanf(line, "%*s %*s %63s %ld %ld %63s", a, &x, &y, b) == 4) {
		long pages;
		char *p = region(a, &pages);
		int prot = !strcmp(b, "rw") ? PROT_READ | PROT_WRITE : !strcmp(b, "r") ? PROT_READ : PROT_NONE;
		if (mprotect(p + x * page_size, y * page_size, prot)) syscall_failed(step, op);
	} else if (!strcmp(op, "munmap") && sscanf(line, "%*s %*s %63s %ld %ld", a, &x, &y) == 3) {
		long pages;
		char *p = region(a, &pages);
		if (munmap(p + x * page_size, y * page_size)) syscall_failed(step, op);
	} else if (!strcmp(op, "mremap") && sscanf(line, "%*s %*s %63s %ld %ld %llu", a, &x, &y, &c) == 4) {
		long pages;
		char *p = region(a, &pages);
		if (mremap(p + x * page_size, y * page_size, y * page_size, MREMAP_MAYMOVE | MREMAP_FIXED, p + c * page_size) == MAP_FAILED) syscall_failed(step, op);
	} else if (!strcmp(op, "thp") && sscanf(line, "%*s %*s %63s %ld", a, &x) == 2) {
		long pages;
		char *p = region(a, &pages);
		long kb = anon_huge_kb((uintptr_t)p, (uintptr_t)(p + pages * page_size));
		printf("thp %s %s %ld\n", me, a, kb);
		if (kb < x * (long)(PMD_BYTES >> 10)) {
			fprintf(stderr, "ksm-live: no THP: region %s has %ld kB AnonHugePages, %ld THP(s) of 2 MiB expected (the kernel fell back to small pages: fragmentation or THP limits)\n", a, kb, x);
			fflush(stdout);
			sh->failed = 3;
			sh->step = nsteps;
			syscall(SYS_futex, &sh->step, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
			exit(3);
		}
	} else {
		fail("bad line: %s", line);
	}
}

static const char *owner_of(const char *line, char *buf) {
	sscanf(line, "%63s", buf);
	return buf;
}

/* a new process of the replay, named `name`: in the child `me` becomes it */
static void start_proc(const char *name) {
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) fail("%s", "fork failed");
	if (pid == 0) {
		me = strdup(name);
		return; /* the caller goes on as the new process */
	}
	add_proc(name, pid);
}

/* the step is done: the next owner goes on */
static void advance(int step) {
	fflush(stdout);
	sh->step = step + 1;
	syscall(SYS_futex, &sh->step, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* the loop every process runs: wait for a step it owns, run it, pass on */
static void serve(void) {
	char who[64];
	for (;;) {
		int s = sh->step;
		if (s >= nsteps) break;
		if (strcmp(owner_of(steps[s], who), me)) {
			struct timespec t = { 1, 0 };
			syscall(SYS_futex, &sh->step, FUTEX_WAIT, s, &t, NULL, 0);
			if (getpid() != coordinator && kill(coordinator, 0)) _exit(1); /* the coordinator is gone */
			continue;
		}
		char *line = steps[s];
		char op[32] = "", a[64] = "", v[64] = "";
		sscanf(line, "%*s %31s %63s %63s", op, a, v);
		if (!strcmp(me, "-")) {
			wait_exited();
			if (!strcmp(op, "spawn")) {
				start_proc(a);
				if (strcmp(me, "-")) continue; /* the new process: serves its own steps */
			} else if (!strcmp(op, "knob")) {
				if (!strcmp(a, "run") && strcmp(v, "2")) {
					want_run = atoi(v); /* ksmd runs only in ksmd steps */
					printf("knob %s ok\n", a);
				} else {
					int e = write_knob(a, v);
					if (!e && !strcmp(a, "run")) want_run = 2;
					if (!strcmp(a, "sleep_millisecs")) end_pause(); /* the driver's pause back (and ksmd not left in the scenario's) */
					if (e) printf("knob %s err %s\n", a, strerrorname_np(e) ? strerrorname_np(e) : "?");
					else printf("knob %s ok\n", a);
				}
			} else if (!strcmp(op, "thpknob")) {
				/* a throwaway VM's THP knob (the host's are never written: the caller checks them) */
				char path[160];
				snprintf(path, sizeof path, "/sys/kernel/mm/transparent_hugepage/%s", a);
				FILE *f = access(path, F_OK) ? NULL : fopen(path, "w");
				if (!f && access(path, F_OK)) {
					printf("thpknob %s absent\n", a); /* a kernel before the knob (shrink_underused: 6.12) */
				} else {
					int bad = !f || fputs(v, f) < 0;
					if (f && fclose(f)) bad = 1;
					if (bad) fail("cannot write THP knob %s", a);
				}
			} else if (!strcmp(op, "batches")) {
				ksmd_steps(atol(a), 0);
			} else if (!strcmp(op, "scans")) {
				ksmd_steps(atol(a), 1);
			} else if (!strcmp(op, "check")) {
				check(a);
			} else {
				fail("bad coordinator line: %s", line);
			}
			advance(s);
			continue;
		}
		if (!strcmp(op, "fork")) {
			const char *parent = me;
			start_proc(a);
			if (me == parent) advance(s); /* the parent passes on; the child serves its own steps */
			continue;
		}
		if (!strcmp(op, "exit")) {
			int i = proc_slot(me);
			if (i >= 0) sh->procs[i].alive = 0;
			advance(s);
			_exit(0);
		}
		proc_step(s, line);
		advance(s);
	}
}

int main(void) {
	static char buf[1 << 24];
	size_t n = fread(buf, 1, sizeof buf - 1, stdin);
	buf[n] = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (!*l) continue;
		if (nsteps == MAX_STEPS) { fprintf(stderr, "ksm-live: too many steps\n"); return 1; }
		steps[nsteps++] = l;
	}
	page_size = sysconf(_SC_PAGESIZE);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) { perror("ksm-live: mmap shared"); return 1; }
	coordinator = getpid();
	prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of exited scenario processes are reaped here */
	ksmd_pid = find_ksmd();
	if (ksmd_pid < 0) { fprintf(stderr, "ksm-live: no ksmd thread\n"); return 1; }
	must_knob("run", "2"); /* a fresh start: no stable node left, full_scans 0 (KSM is idle: checked by the caller) */
	must_knob("run", "0");
	end_pause(); /* ksmd, were it pausing, goes idle */
	settle();
	serve();
	if (getpid() != coordinator) _exit(0);
	/* the coordinator: every process still alive is killed and reaped */
	for (int i = 0; i < sh->nprocs; i++) if (sh->procs[i].alive) kill(sh->procs[i].pid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR) {}
	fflush(stdout);
	return sh->failed;
}
