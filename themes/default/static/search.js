// Broadsheet search: loaded only by the search page. Downloads the site's
// search index once (the URL is the input's data-index) and matches every
// word of the query against each article's title, authors, tags, source and
// summary, in the browser. Results are built with DOM calls and textContent
// only, so nothing from the index is ever parsed as HTML.
(function () {
  "use strict";

  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var noJs = document.getElementById("search-nojs");
  if (!input || !status || !list) {
    return;
  }
  if (noJs) {
    noJs.hidden = true;
  }

  var MAX_RESULTS = 50;
  var records = null;
  var loading = null;
  var timer = 0;

  // Lower case without diacritics, so "Übersicht" matches "ubersicht".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function load() {
    if (!loading) {
      status.textContent = "Loading the search index…";
      loading = fetch(input.getAttribute("data-index"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (index) {
          records = index.articles.map(function (a) {
            var authors = a[4].map(function (i) { return index.authors[i]; });
            var tags = a[5].map(function (i) { return index.tags[i]; });
            var source = index.sources[a[3]] || "";
            return {
              title: a[0],
              url: index.articles_path + a[1] + "/",
              date: a[2],
              source: source,
              authors: authors,
              tags: tags,
              summary: a[6],
              foldedTitle: fold(a[0]),
              foldedNames: fold(authors.concat(tags, [source]).join("\n")),
              foldedSummary: fold(a[6])
            };
          });
        })
        .catch(function () {
          loading = null;
          status.textContent = "The search index could not be loaded. Please try again later.";
        });
    }
    return loading;
  }

  // Every word must occur somewhere; a word in the title counts most, then
  // in a name (author, tag, source), then in the summary.
  function score(record, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      var s = 0;
      var at = record.foldedTitle.indexOf(w);
      if (at === 0 || (at > 0 && /\W/.test(record.foldedTitle.charAt(at - 1)))) {
        s += 10;
      } else if (at > 0) {
        s += 6;
      }
      if (record.foldedNames.indexOf(w) >= 0) {
        s += 5;
      }
      if (record.foldedSummary.indexOf(w) >= 0) {
        s += 1;
      }
      if (s === 0) {
        return 0;
      }
      total += s;
    }
    return total;
  }

  function element(name, className, text) {
    var el = document.createElement(name);
    if (className) {
      el.className = className;
    }
    if (text) {
      el.textContent = text;
    }
    return el;
  }

  function render(query, matches) {
    list.textContent = "";
    if (!query) {
      status.textContent = "";
      return;
    }
    var shown = matches.slice(0, MAX_RESULTS);
    status.textContent = matches.length === 0
      ? "No articles match “" + query + "”."
      : matches.length + (matches.length === 1 ? " article matches" : " articles match") +
        " “" + query + "”" +
        (matches.length > shown.length ? "; the best " + shown.length + " are shown." : ".");
    var fragment = document.createDocumentFragment();
    shown.forEach(function (r) {
      var item = element("li", "search-result");
      var heading = element("h2", "search-result-title");
      var link = element("a", "", r.title);
      link.href = r.url;
      heading.appendChild(link);
      item.appendChild(heading);
      var meta = [r.source];
      if (r.authors.length) {
        meta.push("by " + r.authors.join(", "));
      }
      if (r.date) {
        meta.push(r.date);
      }
      item.appendChild(element("p", "meta", meta.join(" · ")));
      if (r.summary) {
        item.appendChild(element("p", "search-result-summary", r.summary));
      }
      if (r.tags.length) {
        item.appendChild(element("p", "search-result-tags", r.tags.join(" · ")));
      }
      fragment.appendChild(item);
    });
    list.appendChild(fragment);
  }

  function search() {
    var query = input.value.trim();
    var url = new URL(window.location.href);
    if (query) {
      url.searchParams.set("q", query);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url);
    if (!query) {
      render("", []);
      return;
    }
    load().then(function () {
      if (!records || input.value.trim() !== query) {
        return;
      }
      var words = fold(query).split(/\s+/).filter(Boolean);
      var matches = [];
      records.forEach(function (r, position) {
        var s = score(r, words);
        if (s > 0) {
          matches.push({ record: r, score: s, position: position });
        }
      });
      // Best score first; ties keep the index's order, newest first.
      matches.sort(function (a, b) {
        return b.score - a.score || a.position - b.position;
      });
      render(query, matches.map(function (m) { return m.record; }));
    });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 120);
  });
  input.addEventListener("focus", load, { once: true });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    search();
  }
})();
