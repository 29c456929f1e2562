//! Pass `user`: `process.user` (uid, gid, additionalGids).
//!
//! The service's `user` (Docker `--user`: `name|uid[:group|gid]`) overrides the image `User`;
//! either is resolved through the image's /etc/passwd and /etc/group (see
//! [`crate::image_user`]) and errors name the field it came from (`services.x.user` or
//! `image.User`). An empty service `user` is an error, not "no user". Neither: 0:0.
//! CDI `additionalGids` (e.g. the group owning /dev/dri nodes) join the image's groups, and
//! so do the service's `extra_groups` (Docker's `--group-add`): a gid, or a group name from
//! the image's /etc/group (an unknown name is an error naming the entry).

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::image_user::{resolve_user, USER_FIELD};
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    // The service's `user` overrides the image's `User`, as `docker run --user` does.
    let (spec, field, spec_source) = match &cx.service.spec.user {
        Some(u) => {
            let field = cx.service.field("user");
            if u.trim().is_empty() {
                return Err(Error::invalid(
                    field,
                    "`name`, `uid`, `name:group` or `uid:gid`",
                    "an empty string",
                ));
            }
            (u.as_str(), field.clone(), Source::input(field))
        }
        None => (
            cx.image
                .and_then(|i| i.config.user.as_deref())
                .unwrap_or(""),
            USER_FIELD.to_string(),
            Source::image("User"),
        ),
    };
    match resolve_user(spec, &field, cx.image)? {
        Some(u) => {
            let files = u.used_files.iter().map(|f| Source::image(*f)).collect();
            d.set_user(u.uid, u.gid, u.additional_gids, files, spec_source);
        }
        None => d.set_user(0, 0, Vec::new(), Vec::new(), Source::default("root_user")),
    }
    for (gid, source) in d.gpu.additional_gids.clone() {
        d.add_additional_gid(gid, source);
    }
    extra_groups(cx, d)
}

fn extra_groups(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let groups = cx.image.map(|i| i.group_entries()).unwrap_or_default();
    for (i, name) in cx.service.spec.extra_groups.iter().enumerate() {
        let field = cx.service.field(&format!("extra_groups[{i}]"));
        let name = name.trim();
        let gid = match (groups.iter().find(|g| g.name == name), name.parse::<u32>()) {
            (Some(g), _) => g.gid,
            (None, Ok(gid)) => gid,
            (None, Err(_)) => {
                let why = if cx.image.is_some_and(|i| i.group.is_some()) {
                    format!("`{name}`, which the image's /etc/group does not list")
                } else {
                    format!("`{name}`, but the image's /etc/group was not supplied to resolve it")
                };
                return Err(Error::invalid(
                    field,
                    "a numeric gid or a group name from the image's /etc/group",
                    why,
                ));
            }
        };
        d.add_additional_gid(gid, Source::input(field));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{fixture, with_image, Fixture};

    #[test]
    fn user_comes_from_image() {
        let mut f = with_image(fixture(""), Some(&["/e"]), None);
        if let Some(i) = f.image.as_mut() {
            i.config.user = Some("1000:1001".into());
        }
        let d = f.run(apply).unwrap();
        assert_eq!((d.process.uid, d.process.gid), (1000, 1001));
        let user_sources = |d: &Draft| {
            d.trace()
                .sources_of("process.user")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(user_sources(&d), [Source::image("User")]);
        if let Some(i) = f.image.as_mut() {
            i.config.user = Some("app:video".into());
            i.passwd = Some("app:x:1000:1000::/home/app:/bin/sh\n".into());
            i.group = Some("video:x:44:app\n".into());
        }
        let d = f.run(apply).unwrap();
        assert_eq!((d.process.uid, d.process.gid), (1000, 44));
        assert_eq!(
            user_sources(&d),
            [
                Source::image("/etc/passwd"),
                Source::image("/etc/group"),
                Source::image("User")
            ]
        );
        if let Some(i) = f.image.as_mut() {
            i.passwd = None;
            i.group = None;
            i.config.user = Some("nginx".into());
        }
        assert_eq!(f.run(apply).unwrap_err().field(), Some(USER_FIELD));
    }

    /// A fixture with a command and an image carrying `image_user` and passwd/group text.
    fn user_fixture(body: &str, image_user: Option<&str>) -> Fixture {
        let mut f = with_image(fixture(body), Some(&["/e"]), None);
        if let Some(i) = f.image.as_mut() {
            i.config.user = image_user.map(String::from);
            i.passwd = Some("app:x:1000:1000::/home/app:/bin/sh\nimg:x:7:7::/:/bin/sh\n".into());
            i.group = Some("video:x:44:app\nstaff:x:50:\n".into());
        }
        f
    }

    fn ids(f: &Fixture) -> Result<(u32, u32, Vec<u32>)> {
        f.run(apply).map(|d| {
            (
                d.process.uid,
                d.process.gid,
                d.process.additional_gids.clone(),
            )
        })
    }

    #[test]
    fn service_user_resolves_and_overrides_image_user() {
        let img = Some("img");
        assert_eq!(ids(&user_fixture("", img)).unwrap(), (7, 7, vec![]));
        let by_name = user_fixture("    user: app\n", img);
        assert_eq!(ids(&by_name).unwrap(), (1000, 1000, vec![44]));
        let numeric = user_fixture("    user: \"4242\"\n", img);
        assert_eq!(ids(&numeric).unwrap(), (4242, 0, vec![]));
        let with_group = user_fixture("    user: \"app:staff\"\n", img);
        assert_eq!(ids(&with_group).unwrap(), (1000, 50, vec![]));
        // Without any image, numeric ids still work.
        let no_image = fixture("    user: \"5:6\"\n");
        assert_eq!(ids(&no_image).unwrap(), (5, 6, vec![]));
        // The draft keeps the field the user came from, for later passes' errors.
        let d = by_name.run(apply).unwrap();
        assert_eq!(
            d.process.user_origin,
            Some(Source::input("services.web.user"))
        );
    }

    #[test]
    fn extra_groups_by_gid_or_image_group_name() {
        let f = user_fixture(
            "    user: \"app:staff\"\n    extra_groups: [video, \"4000\", staff]\n",
            None,
        );
        let (_, gid, extra) = ids(&f).unwrap();
        // staff is the primary group here but still listed once as a supplementary one.
        assert_eq!((gid, extra), (50, vec![44, 4000, 50]));
        let d = f.run(apply).unwrap();
        assert_eq!(
            d.trace()
                .sources_of("process.user.additionalGids")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>(),
            [
                Source::input("services.web.extra_groups[0]"),
                Source::input("services.web.extra_groups[1]"),
                Source::input("services.web.extra_groups[2]")
            ]
        );
        let err = ids(&user_fixture("    extra_groups: [ghost]\n", None)).unwrap_err();
        assert_eq!(err.field(), Some("services.web.extra_groups[0]"));
        assert!(err.to_string().contains("does not list"), "{err}");
        let err = ids(&fixture("    extra_groups: [video]\n")).unwrap_err();
        assert!(err.to_string().contains("was not supplied"), "{err}");
    }

    #[test]
    fn service_user_errors_name_the_service_field() {
        for user in ["ghost", "app:nogroup", ""] {
            // An empty user is refused by the file check too; set it here as code would.
            let mut f = user_fixture("", Some("img"));
            f.service.spec.user = Some(user.into());
            let err = ids(&f).unwrap_err();
            assert_eq!(err.field(), Some("services.web.user"), "{user:?}");
        }
        let err = ids(&user_fixture("    user: ghost\n", None)).unwrap_err();
        assert!(err.to_string().contains("ghost"), "{err}");
    }
}
