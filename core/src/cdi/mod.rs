//! Container Device Interface: parse spec files (JSON or YAML) as the CDI spec defines them,
//! validate them, and resolve `kind=device` requests into container edits.
