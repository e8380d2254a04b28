/* Search in the page's language, with queries written the way the index is (cka/site/search_ko.py).
   cka/site/search_ko.py puts this script on every page, before Material's bundle, with
   __SETTINGS__ filled in: the location prefix of each language's pages in the index
   ({"ko": "", "en": "en/"}) and the Korean particles. It changes two messages that the
   page sends to Material's search worker (offline, the iframe-worker shim's Worker):
   - the index (type 0) keeps only the documents of the page's language (<html lang>);
   - a query (type 2): a Korean word loses its particle (퍼시스턴트볼륨클레임을 ->
     퍼시스턴트볼륨클레임, but 인가 stays), a camelCase name is searched whole
     (volumeBindingMode -> volumebindingmode, which the index holds whole; lunr would
     otherwise rank by volume, binding and mode anywhere), and "a", "the" and the like
     are dropped from a query that has other words. */
(function (settings) {
  "use strict";
  var Worker = self.Worker;
  if (typeof Worker !== "function" || !Worker.prototype.postMessage) return;

  var languages = settings.languages;
  var own = languages[document.documentElement.lang];
  var others = Object.keys(languages)
    .map(function (lang) { return languages[lang]; })
    .filter(function (prefix) { return prefix && prefix !== own; });
  function inLanguage(doc) {
    var location = String(doc.location);
    if (own) return location.indexOf(own) === 0;
    return !others.some(function (prefix) { return location.indexOf(prefix) === 0; });
  }

  var particle = new RegExp("^(.+?)(" + settings.particles.join("|") + ")$");
  function hangulCount(text) { return (text.match(/[가-힣]/g) || []).length; }
  function rewriteWord(word) {
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

  var post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message) {
    if (message && message.type === 0 && message.data && Array.isArray(message.data.docs) && own !== undefined) {
      var data = Object.assign({}, message.data, { docs: message.data.docs.filter(inLanguage) });
      arguments[0] = Object.assign({}, message, { data: data });
    } else if (message && message.type === 2 && typeof message.data === "string") {
      arguments[0] = Object.assign({}, message, { data: rewriteQuery(message.data) });
    }
    return post.apply(this, arguments);
  };
})(__SETTINGS__);
