//! Errors about one file of the site. The file travels in the error's
//! chain as a value, so that `check` can name it without reading the
//! message.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error about `file`, or the context of one: shows as its message.
#[derive(Debug)]
pub struct InFile {
    file: PathBuf,
    message: String,
}

impl InFile {
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> InFile {
        InFile {
            file: file.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InFile {}

/// The file an error is about, when it or one of its contexts says.
pub fn file_of(e: &anyhow::Error) -> Option<&Path> {
    e.downcast_ref::<InFile>().map(|f| f.file.as_path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_file_is_found_as_the_error_or_as_a_context_anywhere_in_the_chain() {
        let root: anyhow::Error = InFile::new("templates/a.html", "in the template a").into();
        let wrapped = Err::<(), _>(root)
            .context("rendering index.html")
            .unwrap_err();
        assert_eq!(file_of(&wrapped), Some(Path::new("templates/a.html")));
        assert_eq!(
            format!("{wrapped:#}"),
            "rendering index.html: in the template a"
        );

        let cause = anyhow::anyhow!("unknown field `x`");
        let config = Err::<(), _>(cause)
            .context(InFile::new(
                "content/site.yaml",
                "in the site config content/site.yaml",
            ))
            .context("loading the site")
            .unwrap_err();
        assert_eq!(file_of(&config), Some(Path::new("content/site.yaml")));
        assert_eq!(
            format!("{config:#}"),
            "loading the site: in the site config content/site.yaml: unknown field `x`"
        );
        assert_eq!(file_of(&anyhow::anyhow!("no file")), None);
    }
}
