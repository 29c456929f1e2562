//! Docker's default seccomp profile (moby's `profiles/seccomp/default.json`, the copy in
//! `reference/seccomp/docker-default.json`), as rule groups in the profile's own order.
//!
//! Unlisted calls fail with EPERM. Group `#n` is the profile's n-th entry of `syscalls`, which
//! is what provenance names, so a reader can find the entry in the reference file. The test
//! `core/tests/seccomp_reference.rs` resolves the reference file independently and must agree.

use oci_spec::runtime::Arch::*;

use super::table::{allow, errno, Op, Table, A};

/// `CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
/// CLONE_NEWNET`: `clone` is allowed only when none of these bits is set, so a container
/// without CAP_SYS_ADMIN cannot create namespaces.
const CLONE_NS_FLAGS: u64 = 0x7E02_0000;

pub(super) static DOCKER: Table = Table {
    name: "docker-default",
    default_errno: 1,
    arch_map: &[
        (ScmpArchX86_64, &[ScmpArchX86, ScmpArchX32]),
        (ScmpArchAarch64, &[ScmpArchArm]),
        (ScmpArchMips64, &[ScmpArchMips, ScmpArchMips64n32]),
        (ScmpArchMips64n32, &[ScmpArchMips, ScmpArchMips64]),
        (ScmpArchMipsel64, &[ScmpArchMipsel, ScmpArchMipsel64n32]),
        (ScmpArchMipsel64n32, &[ScmpArchMipsel, ScmpArchMipsel64]),
        (ScmpArchS390x, &[ScmpArchS390]),
        (ScmpArchRiscv64, &[]),
        (ScmpArchLoongarch64, &[]),
    ],
    groups: &[
        // #0: the calls any process needs, allowed everywhere.
        allow(
            "accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod \
         chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 \
         clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range \
         connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl \
         epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 \
         execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate \
         fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 \
         fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 \
         fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue \
         futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents \
         getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 \
         getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid \
         getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid \
         getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr \
         getxattrat inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel \
         ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set \
         io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset \
         landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listmount \
         listxattr listxattrat llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 \
         madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat \
         mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify \
         mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 \
         mq_unlink mremap mseal msgctl msgget msgrcv msgsnd msync munlock munlockall munmap \
         name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open \
         pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll \
         ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 \
         pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv \
         recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr \
         removexattrat rename renameat renameat2 restart_syscall riscv_hwprobe rmdir rseq \
         rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend \
         rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity \
         sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min \
         sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 \
         sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp \
         select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 \
         sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 \
         setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid \
         setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid \
         setsockopt set_thread_area set_tid_address setuid setuid32 setxattr setxattrat shmat \
         shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn \
         socketcall socketpair splice stat stat64 statfs statfs64 statmount statx symlink \
         symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create \
         timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime \
         timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime \
         timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink \
         unlinkat uretprobe utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid \
         waitpid write writev",
        ),
        // #1: before 4.8, ptrace could bypass seccomp, so tracing needs CAP_SYS_PTRACE (#25) there.
        allow("process_vm_readv process_vm_writev ptrace").min_kernel(4, 8),
        // #2-#4: every socket family but AF_ALG (38) and AF_VSOCK (40).
        allow("socket").args(&[A(0, 38, Op::Lt)]),
        allow("socket").args(&[A(0, 39, Op::Eq)]),
        allow("socket").args(&[A(0, 40, Op::Gt)]),
        // #5-#9: personality() only for the harmless personas (PER_LINUX, UNAME26, PER_LINUX32,
        // both, and 0xffffffff, which only queries).
        allow("personality").args(&[A(0, 0, Op::Eq)]),
        allow("personality").args(&[A(0, 8, Op::Eq)]),
        allow("personality").args(&[A(0, 131072, Op::Eq)]),
        allow("personality").args(&[A(0, 131080, Op::Eq)]),
        allow("personality").args(&[A(0, 4294967295, Op::Eq)]),
        // #10-#15: architecture-specific calls, on their architecture only.
        allow("sync_file_range2 swapcontext").arches(&["ppc64le"]),
        allow(
            "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
        )
        .arches(&["arm", "arm64"]),
        allow("arch_prctl").arches(&["amd64", "x32"]),
        allow("modify_ldt").arches(&["amd64", "x32", "x86"]),
        allow("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr")
            .arches(&["s390", "s390x"]),
        allow("riscv_flush_icache").arches(&["riscv64"]),
        // #16, #17, #21-#32: calls a capability makes safe, allowed only with it.
        allow("open_by_handle_at").caps(&["CAP_DAC_READ_SEARCH"]),
        allow(
            "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie \
         lsm_get_self_attr lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount \
         open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog \
         umount umount2 unshare",
        )
        .caps(&["CAP_SYS_ADMIN"]),
        // #18-#20: without CAP_SYS_ADMIN, clone may not create namespaces (s390 passes the
        // flags second), and clone3 fails with ENOSYS so libcs fall back to clone, whose
        // flags a filter can see.
        allow("clone")
            .args(&[A(0, CLONE_NS_FLAGS, Op::MaskedEq)])
            .not_caps(&["CAP_SYS_ADMIN"])
            .not_arches(&["s390", "s390x"]),
        allow("clone")
            .args(&[A(1, CLONE_NS_FLAGS, Op::MaskedEq)])
            .not_caps(&["CAP_SYS_ADMIN"])
            .arches(&["s390", "s390x"])
            .comment("s390 parameter ordering for clone is different"),
        errno(38, "clone3").not_caps(&["CAP_SYS_ADMIN"]),
        allow("reboot").caps(&["CAP_SYS_BOOT"]),
        allow("chroot").caps(&["CAP_SYS_CHROOT"]),
        allow("delete_module init_module finit_module").caps(&["CAP_SYS_MODULE"]),
        allow("acct").caps(&["CAP_SYS_PACCT"]),
        allow("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace")
            .caps(&["CAP_SYS_PTRACE"]),
        allow("iopl ioperm").caps(&["CAP_SYS_RAWIO"]),
        allow("settimeofday stime clock_settime clock_settime64").caps(&["CAP_SYS_TIME"]),
        allow("vhangup").caps(&["CAP_SYS_TTY_CONFIG"]),
        allow("get_mempolicy mbind set_mempolicy set_mempolicy_home_node").caps(&["CAP_SYS_NICE"]),
        allow("syslog").caps(&["CAP_SYSLOG"]),
        allow("bpf").caps(&["CAP_BPF"]),
        allow("perf_event_open").caps(&["CAP_PERFMON"]),
    ],
};
