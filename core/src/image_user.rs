//! Resolve a user spec (the image's `User`, or the service's `user`, which overrides it) —
//! `uid`, `uid:gid`, `name`, `name:group`, `uid:group`... — to numeric ids through the image's
//! /etc/passwd and /etc/group, the way Docker (runc's `GetExecUser`) does. Unlike the seed, a
//! name that cannot be resolved is an error naming the field the spec came from: it never
//! silently becomes uid 0 (seed bug 7).
//!
//! Rules (documented in the README):
//! - Spec empty (or no user given anywhere): 0:0.
//! - The user part matches a passwd entry by name, or by uid when numeric; a numeric uid with no
//!   entry is used as is. A name with no entry is an error.
//! - Group given: matched by name or gid in /etc/group; a numeric gid with no entry is used as
//!   is; a name with no entry is an error. No supplementary groups are added (Docker: they
//!   only make sense in the implicit form).
//! - Group not given: the passwd entry's primary gid, or 0 when the uid has no entry (Docker's
//!   rule, not the seed's gid = uid); supplementary gids are the /etc/group entries that list
//!   the user's name as a member, in file order, without duplicates.
//! - Without an image (or without its passwd/group text) only numeric ids resolve.

use crate::error::{Error, Result};
use crate::image::{GroupEntry, Image, PasswdEntry};

/// The field errors about the image's `User` name.
pub const USER_FIELD: &str = "image.User";

/// Numeric identity of the container process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    /// The image files an entry was taken from (`/etc/passwd`, `/etc/group`), for the trace.
    pub used_files: Vec<&'static str>,
}

pub const PASSWD_FILE: &str = "/etc/passwd";
pub const GROUP_FILE: &str = "/etc/group";

/// Resolve `spec` (from the input `field`, named in errors: `image.User` or
/// `services.x.user`) through `image`'s passwd and group text; `None` when `spec` is empty
/// (the caller uses 0:0).
pub fn resolve_user(
    spec: &str,
    field: &str,
    image: Option<&Image>,
) -> Result<Option<ResolvedUser>> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Ok(None);
    }
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if user_part.is_empty() || group_part == Some("") {
        return Err(Error::invalid(
            field,
            "`user`, `uid`, `user:group` or `uid:gid`",
            format!("`{spec}`"),
        ));
    }
    let passwd = image.map(Image::passwd_entries).unwrap_or_default();
    let groups = image.map(Image::group_entries).unwrap_or_default();
    let has_passwd = image.is_some_and(|i| i.passwd.is_some());
    let has_group = image.is_some_and(|i| i.group.is_some());
    let entry = find_user(&passwd, user_part);
    let uid = match (entry, user_part.parse::<u32>()) {
        (Some(e), _) => e.uid,
        (None, Ok(uid)) => uid,
        (None, Err(_)) => {
            return Err(unresolvable(
                field,
                has_passwd,
                "user",
                user_part,
                PASSWD_FILE,
            ))
        }
    };
    let mut used_files = Vec::new();
    if entry.is_some() {
        used_files.push(PASSWD_FILE);
    }
    match group_part {
        Some(g) => {
            let gid = match (
                groups
                    .iter()
                    .find(|e| e.name == g || e.gid.to_string() == g),
                g.parse::<u32>(),
            ) {
                (Some(e), _) => {
                    used_files.push(GROUP_FILE);
                    e.gid
                }
                (None, Ok(gid)) => gid,
                (None, Err(_)) => {
                    return Err(unresolvable(field, has_group, "group", g, GROUP_FILE))
                }
            };
            Ok(Some(ResolvedUser {
                uid,
                gid,
                additional_gids: Vec::new(),
                used_files,
            }))
        }
        None => {
            let gid = entry.map(|e| e.gid).unwrap_or(0);
            let additional_gids = entry
                .map(|e| member_gids(&groups, &e.name))
                .unwrap_or_default();
            if !additional_gids.is_empty() {
                used_files.push(GROUP_FILE);
            }
            Ok(Some(ResolvedUser {
                uid,
                gid,
                additional_gids,
                used_files,
            }))
        }
    }
}

/// runc matches a passwd entry by name first, then by uid.
fn find_user<'a>(passwd: &'a [PasswdEntry], user: &str) -> Option<&'a PasswdEntry> {
    passwd
        .iter()
        .find(|e| e.name == user)
        .or_else(|| passwd.iter().find(|e| e.uid.to_string() == user))
}

fn member_gids(groups: &[GroupEntry], name: &str) -> Vec<u32> {
    let mut gids: Vec<u32> = Vec::new();
    for g in groups
        .iter()
        .filter(|g| g.members.iter().any(|m| m == name))
    {
        if !gids.contains(&g.gid) {
            gids.push(g.gid);
        }
    }
    gids
}

fn unresolvable(field: &str, file_supplied: bool, what: &str, name: &str, file: &str) -> Error {
    let why = if file_supplied {
        format!("`{name}`, which the image's {file} does not list")
    } else {
        format!("`{name}`, but the image's {file} was not supplied to resolve it")
    };
    Error::invalid(
        field,
        format!("a numeric {what} id or a {what} name from the image's {file}"),
        why,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::ImageConfig;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n# comment\n\nnginx:x:101:102:nginx:/nonexistent:/bin/false\nbroken line\napp:x:1000:1000::/home/app:/bin/sh\n";
    const GROUP: &str =
        "root:x:0:\nnginx:x:102:\nvideo:x:44:app,nginx\nstaff:x:50:app\nvideo2:x:44:app\n";

    fn image(user: &str) -> Image {
        Image {
            config: ImageConfig {
                user: Some(user.to_string()),
                ..Default::default()
            },
            passwd: Some(PASSWD.to_string()),
            group: Some(GROUP.to_string()),
        }
    }

    /// The ids only (the files consulted are checked in their own test).
    fn resolve(user: &str) -> Result<Option<ResolvedUser>> {
        resolve_user(user, USER_FIELD, Some(&image(user))).map(|u| {
            u.map(|u| ResolvedUser {
                used_files: Vec::new(),
                ..u
            })
        })
    }

    fn ids(uid: u32, gid: u32, extra: &[u32]) -> Option<ResolvedUser> {
        Some(ResolvedUser {
            uid,
            gid,
            additional_gids: extra.to_vec(),
            used_files: Vec::new(),
        })
    }

    #[test]
    fn files_used_are_reported() {
        let files = |user: &str| {
            resolve_user(user, USER_FIELD, Some(&image(user)))
                .unwrap()
                .map(|u| u.used_files)
                .unwrap_or_default()
        };
        assert!(files("4242:7").is_empty());
        assert_eq!(files("4242:staff"), [GROUP_FILE]);
        assert_eq!(files("nginx:7"), [PASSWD_FILE]);
        // Implicit group: the primary gid from passwd, memberships from group.
        assert_eq!(files("nginx"), [PASSWD_FILE, GROUP_FILE]);
        assert_eq!(files("root"), [PASSWD_FILE]);
    }

    #[test]
    fn empty_or_absent_user_is_none() {
        assert_eq!(resolve("").unwrap(), None);
        assert_eq!(resolve_user("  ", USER_FIELD, None).unwrap(), None);
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(resolve("1000:2000").unwrap(), ids(1000, 2000, &[]));
        // uid in passwd: its primary gid and memberships.
        assert_eq!(resolve("1000").unwrap(), ids(1000, 1000, &[44, 50]));
        // uid not in passwd: gid 0, as Docker.
        assert_eq!(resolve("4242").unwrap(), ids(4242, 0, &[]));
    }

    #[test]
    fn names_resolve_through_passwd_and_group() {
        assert_eq!(resolve("nginx").unwrap(), ids(101, 102, &[44]));
        assert_eq!(resolve("nginx:video").unwrap(), ids(101, 44, &[]));
        assert_eq!(resolve("1000:staff").unwrap(), ids(1000, 50, &[]));
        assert_eq!(resolve("app:7").unwrap(), ids(1000, 7, &[]));
    }

    #[test]
    fn seed_bug_7_unknown_name_is_error_not_root() {
        let err = resolve("ghost").unwrap_err();
        assert_eq!(err.field(), Some(USER_FIELD));
        assert!(err.to_string().contains("ghost"), "{err}");
        let err = resolve("nginx:nogroup").unwrap_err();
        assert!(err.to_string().contains("nogroup"), "{err}");
    }

    #[test]
    fn name_without_passwd_text_says_so() {
        let img = Image {
            config: ImageConfig {
                user: Some("nginx".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = resolve_user("nginx", USER_FIELD, Some(&img)).unwrap_err();
        assert!(err.to_string().contains("not supplied"), "{err}");
        // No image at all: numeric ids still resolve, names cannot.
        assert_eq!(
            resolve_user("7:8", "services.web.user", None).unwrap(),
            ids(7, 8, &[])
        );
        let err = resolve_user("nginx", "services.web.user", None).unwrap_err();
        assert_eq!(err.field(), Some("services.web.user"));
        assert!(err.to_string().contains("not supplied"), "{err}");
    }

    #[test]
    fn malformed_user_is_error() {
        assert!(resolve(":5").is_err());
        assert!(resolve("5:").is_err());
    }

    #[test]
    fn errors_name_the_given_field() {
        let img = image("");
        for spec in ["ghost", "nginx:nogroup", ":5"] {
            let err = resolve_user(spec, "services.web.user", Some(&img)).unwrap_err();
            assert_eq!(err.field(), Some("services.web.user"), "{spec}");
        }
    }
}
