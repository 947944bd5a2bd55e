//! Files only the service's own user may read: the database (and its WAL and SHM files, which
//! SQLite creates with the database file's mode), backups and the development outbox (which
//! holds sign-in links). Folders are made `0700` and files `0600`; on other platforms these
//! are ordinary file operations.

use std::{io, path::Path};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `dir` and any missing parents; the ones created here are `0700`.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Creates `path`, which must not exist yet, as an empty `0600` file.
pub fn create_new_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

/// Writes `contents` to a new `0600` file at `path`.
pub fn write_new_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    create_new_file(path)?.write_all(contents)
}

/// Takes group and other access away from an existing file; returns whether it had any.
pub fn restrict(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
            return Ok(true);
        }
    }
    let _ = path;
    Ok(false)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&temp.path().join("a")), 0o700);
        let file = dir.join("f");
        write_new_file(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(create_new_file(&file).is_err(), "never overwrites");

        let open = temp.path().join("open");
        std::fs::write(&open, b"x").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(restrict(&open).unwrap());
        assert_eq!(mode(&open), 0o600);
        assert!(!restrict(&open).unwrap());
    }
}
