//! Podman's default seccomp profile (containers/common's `pkg/seccomp/seccomp.json`, the copy
//! in `reference/seccomp/podman-default.json`), as rule groups in the profile's own order.
//!
//! Unlike Docker's, it fails unlisted calls with ENOSYS (so programs fall back to older calls)
//! and lists the calls it refuses on purpose with EPERM, often as a pair: allowed with a
//! capability, refused without it. Group `#n` is the profile's n-th entry of `syscalls`.

use oci_spec::runtime::Arch::*;

use super::table::{allow, errno, Op, Table, A};

pub(super) static PODMAN: Table = Table {
    name: "podman-default",
    default_errno: 38,
    arch_map: &[
        (ScmpArchX86_64, &[ScmpArchX86, ScmpArchX32]),
        (ScmpArchAarch64, &[ScmpArchArm]),
        (ScmpArchMips64, &[ScmpArchMips, ScmpArchMips64n32]),
        (ScmpArchMips64n32, &[ScmpArchMips, ScmpArchMips64]),
        (ScmpArchMipsel64, &[ScmpArchMipsel, ScmpArchMipsel64n32]),
        (ScmpArchMipsel64n32, &[ScmpArchMipsel, ScmpArchMipsel64]),
        (ScmpArchS390x, &[ScmpArchS390]),
    ],
    groups: &[
        // #0: refused outright, with EPERM rather than the default ENOSYS.
        errno(
            1,
            "bdflush cachestat io_pgetevents io_pgetevents_time64 kexec_file_load kexec_load \
         map_shadow_stack migrate_pages move_pages nfsservctl nice oldfstat oldlstat \
         oldolduname oldstat olduname pciconfig_iobase pciconfig_read pciconfig_write sgetmask \
         ssetmask swapoff swapon syscall sysfs uselib userfaultfd ustat vm86 vm86old vmsplice",
        ),
        // #1: the calls any process needs, allowed everywhere.
        allow(
            "_llseek _newselect accept accept4 access adjtimex alarm bind brk capget capset chdir \
         chmod chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 \
         clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 clone clone3 \
         close close_range connect copy_file_range creat dup dup2 dup3 epoll_create \
         epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait \
         epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 \
         fadvise64 fadvise64_64 fallocate fanotify_init fanotify_mark fchdir fchmod fchmodat \
         fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock \
         fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 \
         fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 \
         futex_wait futex_waitv futex_wake futimesat get_mempolicy get_robust_list \
         get_thread_area getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 \
         getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid \
         getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit \
         getrusage getsid getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr \
         inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy \
         io_getevents io_setup io_submit ioctl ioprio_get ioprio_set ipc keyctl kill \
         landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 \
         lgetxattr link linkat listen listxattr llistxattr lremovexattr lseek lsetxattr lstat \
         lstat64 madvise mbind membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod \
         mknodat mlock mlock2 mlockall mmap mmap2 mount mount_setattr move_mount mprotect \
         mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend \
         mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock \
         munlockall munmap name_to_handle_at nanosleep newfstatat open open_tree openat openat2 \
         pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc \
         pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 \
         process_mrelease process_vm_readv process_vm_writev pselect6 pselect6_time64 ptrace \
         pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv reboot recv \
         recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat \
         renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask \
         rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 \
         rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity \
         sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval \
         sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam \
         sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop \
         semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy \
         set_robust_list set_thread_area set_tid_address setfsgid setfsgid32 setfsuid \
         setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setns setpgid setpriority \
         setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 \
         setrlimit setsid setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget \
         shutdown sigaltstack signal signalfd signalfd4 sigprocmask sigreturn socketcall \
         socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync \
         sync_file_range syncfs sysinfo syslog tee tgkill time timer_create timer_delete \
         timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 \
         timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 \
         times tkill truncate truncate64 ugetrlimit umask umount umount2 uname unlink unlinkat \
         unshare utime utimensat utimensat_time64 utimes vfork wait4 waitid waitpid write \
         writev",
        ),
        // #2-#6: personality() only for the harmless personas (PER_LINUX, UNAME26, PER_LINUX32,
        // both, and 0xffffffff, which only queries).
        allow("personality").args(&[A(0, 0, Op::Eq)]),
        allow("personality").args(&[A(0, 8, Op::Eq)]),
        allow("personality").args(&[A(0, 131072, Op::Eq)]),
        allow("personality").args(&[A(0, 131080, Op::Eq)]),
        allow("personality").args(&[A(0, 4294967295, Op::Eq)]),
        // #7-#12: architecture-specific calls, on their architecture only.
        allow("sync_file_range2 swapcontext").arches(&["ppc64le"]),
        allow(
            "arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2",
        )
        .arches(&["arm", "arm64"]),
        allow("arch_prctl").arches(&["amd64", "x32"]),
        allow("modify_ldt").arches(&["amd64", "x32", "x86"]),
        allow("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr")
            .arches(&["s390", "s390x"]),
        allow("riscv_flush_icache").arches(&["riscv64"]),
        // #13-#30: calls a capability makes safe: allowed with it, EPERM without.
        allow("open_by_handle_at").caps(&["CAP_DAC_READ_SEARCH"]),
        errno(1, "open_by_handle_at").not_caps(&["CAP_DAC_READ_SEARCH"]),
        allow(
            "bpf lookup_dcookie perf_event_open quotactl quotactl_fd setdomainname sethostname \
         setns",
        )
        .caps(&["CAP_SYS_ADMIN"]),
        errno(
            1,
            "lookup_dcookie quotactl quotactl_fd setdomainname sethostname setns",
        )
        .not_caps(&["CAP_SYS_ADMIN"]),
        allow("chroot").caps(&["CAP_SYS_CHROOT"]),
        errno(1, "chroot").not_caps(&["CAP_SYS_CHROOT"]),
        allow("delete_module finit_module init_module query_module").caps(&["CAP_SYS_MODULE"]),
        errno(1, "delete_module finit_module init_module query_module")
            .not_caps(&["CAP_SYS_MODULE"]),
        allow("acct").caps(&["CAP_SYS_PACCT"]),
        errno(1, "acct").not_caps(&["CAP_SYS_PACCT"]),
        allow("kcmp process_madvise").caps(&["CAP_SYS_PTRACE"]),
        errno(1, "kcmp process_madvise").not_caps(&["CAP_SYS_PTRACE"]),
        allow("ioperm iopl").caps(&["CAP_SYS_RAWIO"]),
        errno(1, "ioperm iopl").not_caps(&["CAP_SYS_RAWIO"]),
        allow("clock_settime clock_settime64 settimeofday stime").caps(&["CAP_SYS_TIME"]),
        errno(1, "clock_settime clock_settime64 settimeofday stime").not_caps(&["CAP_SYS_TIME"]),
        allow("vhangup").caps(&["CAP_SYS_TTY_CONFIG"]),
        errno(1, "vhangup").not_caps(&["CAP_SYS_TTY_CONFIG"]),
        // #31-#35: sockets: AF_VSOCK (40) refused; an audit netlink socket (family 16, protocol 9)
        // fails with EINVAL without CAP_AUDIT_WRITE; everything else allowed.
        errno(1, "socket").args(&[A(0, 40, Op::Eq)]),
        errno(22, "socket")
            .args(&[A(0, 16, Op::Eq), A(2, 9, Op::Eq)])
            .not_caps(&["CAP_AUDIT_WRITE"]),
        allow("socket")
            .args(&[A(0, 16, Op::Eq), A(2, 9, Op::Ne)])
            .not_caps(&["CAP_AUDIT_WRITE"]),
        allow("socket")
            .args(&[A(0, 16, Op::Ne)])
            .not_caps(&["CAP_AUDIT_WRITE"]),
        allow("socket")
            .args(&[A(0, 40, Op::Ne)])
            .caps(&["CAP_AUDIT_WRITE"]),
        // #36-#39: bpf and perf_event_open: allowed with their own capability (or CAP_SYS_ADMIN,
        // #15), EPERM otherwise.
        errno(1, "bpf").not_caps(&["CAP_SYS_ADMIN", "CAP_BPF"]),
        allow("bpf").caps(&["CAP_BPF"]),
        errno(1, "perf_event_open").not_caps(&["CAP_SYS_ADMIN", "CAP_PERFMON"]),
        allow("perf_event_open").caps(&["CAP_PERFMON"]),
    ],
};
