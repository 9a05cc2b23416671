//! The mistakes an editor makes, and the message each gets. The README's
//! "Common mistakes" table shows the same rows; a test keeps them in sync.

mod common;

use common::*;

/// What to break in a working site.
enum Break {
    /// Replace `content/site.yaml`.
    Config(&'static str),
    /// Write a template into the site's `templates/`.
    Template(&'static str, &'static str),
    /// Remove a path under the site root.
    Remove(&'static str),
    /// Write files (path under the site root, contents).
    Write(&'static [(&'static str, &'static str)]),
}

struct Mistake {
    /// As in the README's table.
    name: &'static str,
    change: Break,
    /// Every one of these appears in the error message.
    message: &'static [&'static str],
}

const MISTAKES: &[Mistake] = &[
    Mistake {
        name: "wrong indentation",
        change: Break::Config("title: T\nbase_url: https://d.example/\ncuration:\nexclude_tags: [a]\n"),
        message: &["site.yaml", "unknown field `exclude_tags`", "line 4", "indent it"],

    },
    Mistake {
        name: "unknown key",
        change: Break::Config("title: T\nbase_url: https://d.example/\nper_pgae: 5\n"),
        message: &["site.yaml", "unknown field `per_pgae`", "expected one of", "line 3"],
    },
    Mistake {
        name: "wrong type",
        change: Break::Config("title: T\nbase_url: https://d.example/\nper_page: ten\n"),
        message: &["site.yaml", "per_page: invalid type", "line 3"],
    },
    Mistake {
        name: "a list where a map belongs",
        change: Break::Config("title: T\nbase_url: https://d.example/\nsources: [blog.xml]\n"),
        message: &["site.yaml", "sources: invalid type: sequence, expected a map", "line 3"],
    },
    Mistake {
        name: "missing required key",
        change: Break::Config("base_url: https://d.example/\n"),
        message: &["site.yaml", "missing field `title`"],
    },
    Mistake {
        name: "tab indentation",
        change: Break::Config("title: T\nbase_url: https://d.example/\ncuration:\n\texclude_tags: [a]\n"),
        message: &["site.yaml", "line 4"],
    },
    Mistake {
        name: "relative base_url",
        change: Break::Config("title: T\nbase_url: /digest/\n"),
        message: &["site.yaml", "key `base_url`", "not an absolute URL"],
    },
    Mistake {
        name: "unknown time zone",
        change: Break::Config("title: T\nbase_url: https://d.example/\ntimezone: Europe/Londn\n"),
        message: &["site.yaml", "key `timezone`", "Europe/Londn"],
    },
    Mistake {
        name: "invalid pattern",
        change: Break::Config("title: T\nbase_url: https://d.example/\ncuration:\n  exclude_title_patterns: ['[unclosed']\n"),
        message: &["site.yaml", "key `curation.exclude_title_patterns[0]`", "not a valid regular expression"],
    },
    Mistake {
        name: "a limit of zero",
        change: Break::Config("title: T\nbase_url: https://d.example/\nlimits:\n  max_body_nesting: 0\n"),
        message: &["site.yaml", "key `limits.max_body_nesting`: must be at least 1"],
    },
    Mistake {
        name: "missing theme",
        change: Break::Config("title: T\nbase_url: https://d.example/\ntheme: fancy\n"),
        message: &["theme `fancy` not found", "themes/fancy", "content/site.yaml"],
    },
    Mistake {
        name: "missing site.yaml",
        change: Break::Remove("content/site.yaml"),
        message: &["reading the site config", "site.yaml", "--root"],
    },
    Mistake {
        name: "missing feeds directory",
        change: Break::Remove("content/feeds"),
        message: &["content/feeds", "does not exist"],
    },
    Mistake {
        name: "template syntax error",
        change: Break::Template("article.html", "{% extends \"base.html\" %}\n{% block content %}\n{% if article.title %}\n{% endblock content %}\n"),
        message: &["templates/article.html", "article.html:4"],
    },
    Mistake {
        name: "missing variable in a template",
        change: Break::Template("tag.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ tag.nmae }}\n{% endblock content %}\n"),
        message: &["templates/tag.html", "tag.html:3", "Field `nmae` is not defined", "Available fields: count, name"],

    },
    Mistake {
        name: "a template extends a missing template",
        change: Break::Template("article.html", "{% extends \"bsae.html\" %}\n{% block content %}{% endblock content %}\n"),
        message: &["templates/article.html", "inheriting from 'bsae.html'", "doesn't exist"],
    },
    Mistake {
        name: "unknown asset",
        change: Break::Template("index.html", "{% extends \"base.html\" %}\n{% block head %}<link rel=\"stylesheet\" href=\"{{ asset(path='nope.css') }}\">{% endblock head %}\n"),
        message: &["index.html", "nope.css", "static/"],
    },
    Mistake {
        name: "a static file where the site makes a page",
        change: Break::Write(&[("static/404.html", "<h1>Lost</h1>")]),
        message: &["static/404.html would replace 404.html, which the site makes itself", "templates/"],
    },
    Mistake {
        name: "two pages of one URL",
        change: Break::Write(&[
            ("content/pages/about.md", "---\ntitle: About\n---\nA"),
            ("content/pages/About.md", "---\ntitle: About us\n---\nB"),
        ]),
        message: &["content/pages/About.md and ", "content/pages/about.md both make the page /about/: rename one"],
    },
];

fn site() -> Fixture {
    let item = "<item><title>A</title><link>https://blog.example/a</link><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><category>rust</category></item>";
    Fixture::new(SITE_YAML, &[("blog.xml", &rss("Blog", item))])
}

#[test]
fn every_mistake_gets_a_message_that_says_where() {
    for m in MISTAKES {
        let f = site();
        match m.change {
            Break::Config(yaml) => {
                std::fs::write(f.root().join("content/site.yaml"), yaml).unwrap()
            }
            Break::Template(name, source) => {
                std::fs::create_dir_all(f.root().join("templates")).unwrap();
                std::fs::write(f.root().join("templates").join(name), source).unwrap();
            }
            Break::Remove(path) => {
                let p = f.root().join(path);
                if p.is_dir() {
                    std::fs::remove_dir_all(p)
                } else {
                    std::fs::remove_file(p)
                }
                .unwrap();
            }
            Break::Write(files) => {
                for (path, text) in files {
                    let p = f.root().join(path);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, text).unwrap();
                }
            }
        }
        let err = format!("{:#}", f.build().expect_err(m.name));
        for needle in m.message {
            assert!(
                err.contains(needle),
                "{}: `{needle}` is not in:\n{err}",
                m.name
            );
        }
        assert!(
            !f.public().exists(),
            "{}: a failed build wrote a site",
            m.name
        );
    }
}

#[test]
fn the_readme_table_lists_exactly_these_mistakes_and_their_messages() {
    let readme = std::fs::read_to_string(std::path::Path::new(REPO).join("README.md")).unwrap();
    let section = readme
        .split("### Common mistakes")
        .nth(1)
        .expect("README has a Common mistakes section");
    let rows: Vec<(String, String)> = section
        .lines()
        .skip_while(|l| !l.starts_with("| mistake"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<&str> = MISTAKES.iter().map(|m| m.name).collect();
    assert_eq!(names, expected);
    // The README shows the message abridged, but never without what the test
    // requires of the real one.
    for ((name, shown), m) in rows.iter().zip(MISTAKES) {
        for needle in m.message {
            assert!(
                shown.contains(needle),
                "README, {name}: `{needle}` is not in: {shown}"
            );
        }
    }
}
