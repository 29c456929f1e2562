//! The compact, static form of a built-in profile, and its expansion into a [`Profile`].
//!
//! The built-in profiles are compiled into the browser module, so they are kept small: a rule
//! group's syscall names are one space-separated string (a name costs its bytes and one
//! space, not a 16-byte slice entry), its conditions are short static slices, and a group is
//! written with `const fn` builders so the tables read like the profiles they stand for:
//! `allow("reboot").caps(&["CAP_SYS_BOOT"])`.

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompOperator};

use super::kernel::KernelVersion;
use super::model::{seccomp_arg, Filter, Profile, Rule};
use crate::error::Result;

/// A comparison operator of an argument condition.
#[derive(Debug, Clone, Copy)]
pub(super) enum Op {
    Ne,
    Lt,
    Eq,
    Gt,
    MaskedEq,
}

/// One argument condition: (argument index, value, operator). Neither default profile uses
/// `valueTwo`, so it is not stored (it is 0, which the runtime spec omits).
#[derive(Debug, Clone, Copy)]
pub(super) struct A(pub u8, pub u64, pub Op);

/// One rule group of a built-in profile.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    names: &'static str,
    /// `None` allows; `Some(errno)` fails the call with that errno.
    errno: Option<u16>,
    args: &'static [A],
    caps: &'static [&'static str],
    not_caps: &'static [&'static str],
    arches: &'static [&'static str],
    not_arches: &'static [&'static str],
    min_kernel: Option<(u8, u8)>,
    comment: &'static str,
}

/// A group that allows `names` (space-separated) unconditionally, until narrowed.
pub(super) const fn allow(names: &'static str) -> Group {
    Group {
        names,
        errno: None,
        args: &[],
        caps: &[],
        not_caps: &[],
        arches: &[],
        not_arches: &[],
        min_kernel: None,
        comment: "",
    }
}

/// A group that makes `names` fail with `errno`.
pub(super) const fn errno(errno: u16, names: &'static str) -> Group {
    let mut g = allow(names);
    g.errno = Some(errno);
    g
}

impl Group {
    /// Only calls whose arguments match all of `args`.
    pub(super) const fn args(mut self, args: &'static [A]) -> Self {
        self.args = args;
        self
    }
    /// Only when the container's bounding set holds every one of `caps`.
    pub(super) const fn caps(mut self, caps: &'static [&'static str]) -> Self {
        self.caps = caps;
        self
    }
    /// Not when the container's bounding set holds any one of `caps`.
    pub(super) const fn not_caps(mut self, caps: &'static [&'static str]) -> Self {
        self.not_caps = caps;
        self
    }
    /// Only on one of these native architectures (libseccomp's names: `amd64`, `arm64`...).
    pub(super) const fn arches(mut self, arches: &'static [&'static str]) -> Self {
        self.arches = arches;
        self
    }
    /// Not on any of these native architectures.
    pub(super) const fn not_arches(mut self, arches: &'static [&'static str]) -> Self {
        self.not_arches = arches;
        self
    }
    /// Only when the host kernel is at least `kernel.major`.
    pub(super) const fn min_kernel(mut self, kernel: u8, major: u8) -> Self {
        self.min_kernel = Some((kernel, major));
        self
    }
    /// The profile's own remark on the group (kept: it explains an odd-looking rule).
    pub(super) const fn comment(mut self, comment: &'static str) -> Self {
        self.comment = comment;
        self
    }
}

/// A whole built-in profile.
pub(super) struct Table {
    /// The name provenance uses (`docker-default`), after the reference file it mirrors.
    pub name: &'static str,
    pub default_errno: u16,
    /// Native architecture -> the architectures a filter for it covers.
    pub arch_map: &'static [(Arch, &'static [Arch])],
    pub groups: &'static [Group],
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Table {
    /// The table as a [`Profile`] (both defaults fail unlisted calls with an errno).
    pub(super) fn profile(&self) -> Result<Profile> {
        let rules = self.groups.iter().map(Group::rule).collect::<Result<_>>()?;
        Ok(Profile {
            name: self.name.to_string(),
            default_action: LinuxSeccompAction::ScmpActErrno,
            default_errno_ret: Some(u32::from(self.default_errno)),
            default_errno: None,
            architectures: Vec::new(),
            arch_map: self
                .arch_map
                .iter()
                .map(|(native, subs)| (*native, subs.to_vec()))
                .collect(),
            flags: Vec::new(),
            listener_path: None,
            listener_metadata: None,
            rules,
        })
    }
}

impl Group {
    fn rule(&self) -> Result<Rule> {
        let args = self
            .args
            .iter()
            .map(|&A(index, value, op)| {
                let op = match op {
                    Op::Ne => LinuxSeccompOperator::ScmpCmpNe,
                    Op::Lt => LinuxSeccompOperator::ScmpCmpLt,
                    Op::Eq => LinuxSeccompOperator::ScmpCmpEq,
                    Op::Gt => LinuxSeccompOperator::ScmpCmpGt,
                    Op::MaskedEq => LinuxSeccompOperator::ScmpCmpMaskedEq,
                };
                seccomp_arg(index, value, None, op)
            })
            .collect::<Result<_>>()?;
        Ok(Rule {
            names: self
                .names
                .split_ascii_whitespace()
                .map(String::from)
                .collect(),
            action: match self.errno {
                None => LinuxSeccompAction::ScmpActAllow,
                Some(_) => LinuxSeccompAction::ScmpActErrno,
            },
            errno_ret: self.errno.map(u32::from),
            errno: None,
            args,
            includes: Filter {
                caps: strings(self.caps),
                arches: strings(self.arches),
                min_kernel: self
                    .min_kernel
                    .map(|(k, m)| KernelVersion::new(u64::from(k), u64::from(m))),
            },
            excludes: Filter {
                caps: strings(self.not_caps),
                arches: strings(self.not_arches),
                min_kernel: None,
            },
            comment: (!self.comment.is_empty()).then(|| self.comment.to_string()),
        })
    }
}
