/* Search in the page's language, with queries written the way the index is (cka/site/search_ko.py).
   cka/site/search_ko.py puts this script on every page, before Material's bundle, with
   __SETTINGS__ filled in: the location prefix of each language's pages in the index
   ({"ko": "", "en": "en/"}), the name of each language's index file in search/
   ({"ko": "search_index.ko", ...}) and the Korean particles. It does four things:
   - The index: Material asks for search/search_index.json (online, an XMLHttpRequest)
     or search/search_index.js (file://, a script); the page fetches its own language's
     file instead, and only once the reader first reaches for search: a click or focus
     in the search box, the keys that open it (/, s, f), a ?q= link, or a result's
     ?h= link (the page marks the words found with the index's settings).
   - The index message (type 0) to Material's search worker keeps only the documents of
     the page's language (<html lang>), should an index hold more than one.
   - A query (type 2): a Korean word loses its particle (퍼시스턴트볼륨클레임을 ->
     퍼시스턴트볼륨클레임, but 인가 stays), a camelCase name is searched whole
     (volumeBindingMode -> volumebindingmode), a hyphenated name is searched joined
     (port-forward, --dry-run=client -> portforward, dryrun client), as the index holds
     them, and "a", "the" and the like are dropped from a query that has other words.
   - The result (type 3): pages that have more of the query's words come first, each word
     weighed by how few pages have it, so that the rarer word a page is about outranks a
     common word in another page's title; pages that tie keep lunr's order.
   The worker is Material's (offline, the iframe-worker shim's Worker); it too is created
   only when the reader reaches for search. */
(function (settings) {
  "use strict";
  var Worker = self.Worker;
  if (typeof Worker !== "function" || !Worker.prototype.postMessage) return;

  var lang = document.documentElement.lang;
  var languages = settings.languages;
  var own = languages[lang];
  var file = (settings.indexes || {})[lang];
  var others = Object.keys(languages)
    .map(function (name) { return languages[name]; })
    .filter(function (prefix) { return prefix && prefix !== own; });
  function inLanguage(doc) {
    var location = String(doc.location);
    if (own) return location.indexOf(own) === 0;
    return !others.some(function (prefix) { return location.indexOf(prefix) === 0; });
  }

  /* ---------------------------------------------------------------- the index file */

  var held = [];
  function release() {
    if (!held) return;
    var waiting = held;
    held = null;
    waiting.forEach(function (go) { go(); });
  }
  if (file) {
    var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function (method, url) {
      this.searchIndex = /(^|\/)search\/search_index\.json$/.test(String(url));
      if (this.searchIndex) arguments[1] = String(url).replace(/search_index\.json$/, file + ".json");
      return open.apply(this, arguments);
    };
    XMLHttpRequest.prototype.send = function () {
      if (this.searchIndex && held) {
        var request = this, args = arguments;
        held.push(function () { send.apply(request, args); });
        return;
      }
      return send.apply(this, arguments);
    };
    var append = document.head.appendChild;
    document.head.appendChild = function (node) {
      if (node && node.tagName === "SCRIPT" && /\/search\/search_index\.js$/.test(node.src)) {
        node.src = node.src.replace(/search_index\.js$/, file + ".js");
        if (held) {
          var head = this;
          held.push(function () { append.call(head, node); });
          return node;
        }
      }
      return append.apply(this, arguments);
    };
  }
  // Material creates its search worker as soon as its bundle runs; the worker (its script,
  // and offline the iframe that stands in for it) starts with the index fetch instead.
  var waiting = [];
  function LazyWorker(url, options) {
    if (!file || !held || !/\/workers\/search\.[^/]*\.js$/.test(String(url))) return new Worker(url, options);
    this.args = arguments;
    this.listeners = [];
    this.real = null;
    waiting.push(this);
  }
  LazyWorker.prototype.start = function () {
    if (!this.real) {
      var real = this.real = new (Function.prototype.bind.apply(Worker, [null].concat([].slice.call(this.args))))();
      this.listeners.forEach(function (args) { real.addEventListener.apply(real, args); });
      this.listeners = [];
    }
    return this.real;
  };
  LazyWorker.prototype.postMessage = function () {
    var real = this.start();
    return real.postMessage.apply(real, arguments);
  };
  LazyWorker.prototype.addEventListener = function () {
    if (this.real) return this.real.addEventListener.apply(this.real, arguments);
    this.listeners.push(arguments);
  };
  LazyWorker.prototype.removeEventListener = function (type, listener) {
    if (this.real) return this.real.removeEventListener.apply(this.real, arguments);
    this.listeners = this.listeners.filter(function (args) { return args[0] !== type || args[1] !== listener; });
  };
  LazyWorker.prototype.terminate = function () {
    if (this.real) this.real.terminate();
  };
  self.Worker = LazyWorker;
  held.push(function () { waiting.forEach(function (worker) { worker.start(); }); });

  function inSearch(target, selector) {
    return !!(target && target.closest && target.closest(selector));
  }
  // ?q= opens search; ?h= (a page opened from a result) marks the words found, with the
  // index's settings: both need the index at once (after a search, from the browser's cache).
  if (/[?&][qh]=/.test(location.search)) release();
  document.addEventListener("focusin", function (event) {
    if (inSearch(event.target, ".md-search")) release();
  });
  document.addEventListener("pointerdown", function (event) {
    if (inSearch(event.target, ".md-search, label[for=__search]")) release();
  });
  document.addEventListener("keydown", function (event) {
    if (/^[/sf]$/i.test(event.key)) release();
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "__search" && event.target.checked) release();
  });

  /* ---------------------------------------------------------------- queries */

  var particle = new RegExp("^(.+?)(" + settings.particles.join("|") + ")$");
  function hangulCount(text) { return (text.match(/[가-힣]/g) || []).length; }
  // port-forward, --dry-run=client, kube-apiserver가 (a particle after it comes off)
  var HYPHENATED = /^-*([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?:=(.*)|[가-힣]+)?$/;
  function rewriteWord(word) {
    var hyphenated = HYPHENATED.exec(word);
    if (hyphenated) {
      var joined = hyphenated[1].replace(/-/g, "").toLowerCase();
      var value = (hyphenated[2] || "").split(/[^0-9A-Za-z가-힣]+/).filter(Boolean).map(rewriteWord);
      return [joined].concat(value).join(" ");
    }
    if (!/^[0-9A-Za-z가-힣]+$/.test(word)) return word; // quoted, +required, -excluded, field:...
    var match = particle.exec(word);
    if (match && /[가-힣]$/.test(word) && (hangulCount(match[1]) >= 2 || /[0-9A-Za-z]$/.test(match[1])))
      word = match[1];
    if (/[a-z0-9][A-Z]|[A-Z]{2}[a-z]/.test(word)) word = word.toLowerCase();
    return word;
  }
  // Words that every English page has: lunr would match them, and every word they begin
  // (a: about, across, ...), everywhere. Dropped unless the query has nothing else.
  var STOPWORDS = /^(a|an|and|are|as|at|be|by|do|does|for|from|how|i|in|is|it|of|on|or|the|to|what|with)$/i;
  function rewriteQuery(query) {
    var words = query.trim().split(/\s+/);
    var kept = words.filter(function (word) { return !STOPWORDS.test(word); });
    return (kept.length ? kept : words).map(rewriteWord).join(" ");
  }

  /* ---------------------------------------------------------------- results */

  var pages = 0; // pages in the index, counted when it is sent to the worker
  function rerank(result) {
    var groups = result && result.items;
    if (!Array.isArray(groups) || groups.length < 2) return result;
    // Which of the query's words each page has, in any of its sections (Material's `terms`).
    var covered = groups.map(function (group) {
      var has = {};
      group.forEach(function (item) {
        var terms = item.terms || {};
        Object.keys(terms).forEach(function (term) { has[term] = has[term] || !!terms[term]; });
      });
      return has;
    });
    var found = {};
    covered.forEach(function (has) {
      Object.keys(has).forEach(function (term) { found[term] = (found[term] || 0) + (has[term] ? 1 : 0); });
    });
    var words = Object.keys(found);
    if (words.length < 2) return result;
    var total = Math.max(pages, groups.length) + 1, weight = {};
    words.forEach(function (term) { weight[term] = Math.log(total / Math.max(found[term], 1)); });
    var order = groups.map(function (group, n) {
      var sum = 0;
      Object.keys(covered[n]).forEach(function (term) { if (covered[n][term]) sum += weight[term]; });
      return { group: group, n: n, weight: sum };
    });
    order.sort(function (a, b) {
      return Math.abs(a.weight - b.weight) > 1e-9 ? b.weight - a.weight : a.n - b.n;
    });
    return Object.assign({}, result, { items: order.map(function (o) { return o.group; }) });
  }

  /* ---------------------------------------------------------------- the worker */

  var post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message) {
    if (message && message.type === 0 && message.data && Array.isArray(message.data.docs) && own !== undefined) {
      var docs = message.data.docs.filter(inLanguage);
      pages = docs.filter(function (doc) { return String(doc.location).indexOf("#") < 0; }).length;
      var data = Object.assign({}, message.data, { docs: docs });
      arguments[0] = Object.assign({}, message, { data: data });
    } else if (message && message.type === 2 && typeof message.data === "string") {
      arguments[0] = Object.assign({}, message, { data: rewriteQuery(message.data) });
    }
    return post.apply(this, arguments);
  };
  var listen = Worker.prototype.addEventListener, unlisten = Worker.prototype.removeEventListener;
  var wrapped = typeof WeakMap === "function" ? new WeakMap() : null;
  if (wrapped && listen && unlisten) {
    Worker.prototype.addEventListener = function (type, listener) {
      if (type === "message" && typeof listener === "function") {
        var wrapper = wrapped.get(listener);
        if (!wrapper) {
          wrapper = function (event) {
            var message = event && event.data;
            if (message && message.type === 3 && message.data)
              event = new MessageEvent("message", { data: Object.assign({}, message, { data: rerank(message.data) }) });
            return listener.call(this, event);
          };
          wrapped.set(listener, wrapper);
        }
        arguments[1] = wrapper;
      }
      return listen.apply(this, arguments);
    };
    Worker.prototype.removeEventListener = function (type, listener) {
      if (type === "message" && wrapped.has(listener)) arguments[1] = wrapped.get(listener);
      return unlisten.apply(this, arguments);
    };
  }
})(__SETTINGS__);
