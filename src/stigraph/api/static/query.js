// The stigraph query page: plain browser JavaScript, no build step, nothing loaded from elsewhere.
//
// A query is POSTed as a form to /sparql with an Accept header that lets the service choose:
// SPARQL JSON results for SELECT/ASK, JSON-LD for CONSTRUCT/DESCRIBE. Download links are plain
// GETs with a `format` parameter, so they work without this script too (and without a token).
// Everything taken from a response is put into the page as text, never as HTML.
"use strict";

(() => {
  const ENDPOINT = "/sparql";
  const EXAMPLES = "/api/examples";
  const TOKEN_KEY = "stigraph.token";
  const DRAFT_KEY = "stigraph.query";
  const ACCEPT = "application/sparql-results+json, application/ld+json;q=0.9";
  const PAGE_ROWS = 1000; // rows added to the table at a time; the downloads carry the rest
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
  const LINKABLE = new Set(["http:", "https:", "ftp:", "mailto:"]);
  const DEFAULT_QUERY = [
    "# The classes in the graph and how many instances each has",
    "SELECT ?class (COUNT(?s) AS ?instances) WHERE {",
    "  ?s a ?class",
    "}",
    "GROUP BY ?class",
    "ORDER BY DESC(?instances) ?class",
    "LIMIT 25",
    "",
  ].join("\n");

  // The formats the service offers for each kind of answer (stigraph.api.negotiation); ASK has
  // no CSV/TSV form, so those links are not offered for it.
  const FORMATS = {
    results: [
      ["json", "SPARQL JSON", "json"],
      ["xml", "SPARQL XML", "srx"],
      ["csv", "CSV", "csv"],
      ["tsv", "TSV", "tsv"],
    ],
    graph: [
      ["ttl", "Turtle", "ttl"],
      ["nt", "N-Triples", "nt"],
      ["nq", "N-Quads", "nq"],
      ["trig", "TriG", "trig"],
      ["rdfxml", "RDF/XML", "rdf"],
      ["jsonld", "JSON-LD", "jsonld"],
    ],
  };
  FORMATS.boolean = FORMATS.results.slice(0, 2);

  const ERROR_HINTS = {
    unauthorized: "Check the access token, or forget it to query the public data.",
    forbidden: "The access token does not allow this.",
    deadline_exceeded: "A token may allow a longer deadline.",
  };

  const $ = (id) => document.getElementById(id);
  const els = {
    form: $("query-form"),
    query: $("query"),
    examples: $("examples"),
    run: $("run"),
    cancel: $("cancel"),
    token: $("token"),
    tokenClear: $("token-clear"),
    auth: $("auth"),
    share: $("share"),
    shareCopy: $("share-copy"),
    status: $("status"),
    truncated: $("truncated"),
    error: $("error"),
    downloads: $("downloads"),
    results: $("results"),
    more: $("more"),
  };

  let running = null; // the AbortController of the query in flight
  let showMore = null; // adds the next page of rows to the table, while there are any
  let escaped = false; // Esc was pressed in the editor: the next Tab moves focus instead of indenting

  // ---- the query text ---------------------------------------------------------------------

  /** The PREFIX declarations of the query, longest namespace first, to show IRIs shortly. */
  function prefixesOf(text) {
    const found = [];
    const re = /(?:^|[\s}])PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>/gi;
    for (let m = re.exec(text); m; m = re.exec(text)) found.push([m[1] || "", m[2]]);
    return found.sort((a, b) => b[1].length - a[1].length);
  }

  function shorten(iri, prefixes) {
    for (const [name, ns] of prefixes) {
      if (ns && iri.startsWith(ns)) {
        const local = iri.slice(ns.length);
        if (/^[\w-]*(?:[\w.-]*[\w-])?$/.test(local)) return `${name}:${local}`;
      }
    }
    return null;
  }

  function pageUrl(query) {
    return `${ENDPOINT}?${new URLSearchParams({ query })}`;
  }

  function downloadUrl(query, format) {
    return `${ENDPOINT}?${new URLSearchParams({ query, format })}`;
  }

  function updateShare() {
    const text = els.query.value;
    els.share.href = text.trim() ? pageUrl(text) : ENDPOINT;
    try {
      sessionStorage.setItem(DRAFT_KEY, text);
    } catch {
      // storage may be disabled; the draft is a convenience
    }
  }

  // ---- the editor -------------------------------------------------------------------------

  function replaceRange(start, end, text) {
    els.query.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText is the fallback without it
    if (!document.execCommand("insertText", false, text)) {
      els.query.setRangeText(text, start, end, "end");
    }
  }

  function indent(outdent) {
    const ta = els.query;
    const { selectionStart: start, selectionEnd: end, value } = ta;
    if (!outdent && start === end) {
      replaceRange(start, end, "  ");
      return;
    }
    const from = value.lastIndexOf("\n", start - 1) + 1;
    const to = end > start && value[end - 1] === "\n" ? end - 1 : end;
    const lines = value.slice(from, to).split("\n");
    const changed = lines.map((line) => (outdent ? line.replace(/^(?: {1,2}|\t)/, "") : `  ${line}`));
    const block = changed.join("\n");
    replaceRange(from, to, block);
    const firstDelta = changed[0].length - lines[0].length;
    ta.setSelectionRange(Math.max(from, start + firstDelta), from + block.length);
  }

  function onEditorKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
      return;
    }
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !escaped && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      indent(event.shiftKey);
      return;
    }
    if (event.key !== "Shift") escaped = false;
  }

  function goTo(line, column) {
    const lines = els.query.value.split("\n");
    const row = Math.min(Math.max(line, 1), lines.length) - 1;
    let offset = 0;
    for (let i = 0; i < row; i++) offset += lines[i].length + 1;
    const pos = offset + Math.min(Math.max(column - 1, 0), lines[row].length);
    els.query.focus();
    els.query.setSelectionRange(pos, Math.min(pos + 1, offset + lines[row].length));
  }

  // ---- the token --------------------------------------------------------------------------

  function token() {
    return els.token.value.trim();
  }

  function updateToken() {
    const value = token();
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // without storage the token lives in the field only
    }
    els.auth.querySelector("summary").textContent = value ? "Access token (set)" : "Access token";
  }

  function authHeaders(headers) {
    const value = token();
    if (value) headers.Authorization = `Bearer ${value}`;
    return headers;
  }

  // ---- showing terms ----------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function linkable(iri) {
    try {
      return LINKABLE.has(new URL(iri).protocol);
    } catch {
      return false;
    }
  }

  /** One RDF term of a SPARQL JSON binding (or one converted from JSON-LD) as page content. */
  function termNode(term, prefixes) {
    if (!term) return el("span", "unbound");
    if (term.type === "uri") {
      const wrap = el("span", "term");
      const label = shorten(term.value, prefixes) || term.value;
      const iri = el(linkable(term.value) ? "a" : "span", "iri", label);
      if (iri.tagName === "A") {
        iri.href = term.value;
        iri.rel = "noopener noreferrer";
      }
      if (label !== term.value) iri.title = term.value;
      const describe = el("a", "describe", "describe");
      describe.href = pageUrl(`DESCRIBE <${term.value}>`);
      describe.setAttribute("aria-label", `Describe ${term.value}`);
      wrap.append(iri, " ", describe);
      return wrap;
    }
    if (term.type === "bnode") return el("span", "bnode", `_:${term.value}`);
    if (term.type === "triple") {
      const { subject, predicate, object } = term.value;
      const wrap = el("span", "triple", "<< ");
      wrap.append(termNode(subject, prefixes), " ", termNode(predicate, prefixes), " ");
      wrap.append(termNode(object, prefixes), " >>");
      return wrap;
    }
    const wrap = el("span", "term");
    wrap.append(el("span", "literal", term.value));
    const lang = term["xml:lang"];
    const datatype = term.datatype;
    if (lang) {
      wrap.append(el("span", "lang", `@${lang}`));
    } else if (datatype && datatype !== `${XSD}string`) {
      const short = datatype.startsWith(XSD) ? `xsd:${datatype.slice(XSD.length)}` : shorten(datatype, prefixes);
      const dt = el("span", "datatype", `^^${short || `<${datatype}>`}`);
      dt.title = datatype;
      wrap.append(dt);
    }
    return wrap;
  }

  /** The triples of a JSON-LD document (expanded, as the service writes it) as s/p/o terms. */
  function jsonldRows(doc) {
    const rows = [];
    const idTerm = (id) => (id.startsWith("_:") ? { type: "bnode", value: id.slice(2) } : { type: "uri", value: id });
    const valueTerm = (v) => {
      if (v && typeof v === "object" && "@id" in v) return idTerm(v["@id"]);
      if (v && typeof v === "object" && "@value" in v) {
        const term = { type: "literal", value: String(v["@value"]) };
        if (v["@language"]) term["xml:lang"] = v["@language"];
        else if (v["@type"]) term.datatype = v["@type"];
        return term;
      }
      return { type: "literal", value: typeof v === "string" ? v : JSON.stringify(v) };
    };
    const walk = (nodes) => {
      for (const node of nodes) {
        if (!node || typeof node !== "object") continue;
        if (Array.isArray(node["@graph"])) walk(node["@graph"]);
        const subject = idTerm(node["@id"] || "_:anonymous");
        for (const [key, values] of Object.entries(node)) {
          if (key === "@id" || key === "@graph" || key === "@context") continue;
          const list = Array.isArray(values) ? values : [values];
          if (key === "@type") {
            for (const t of list) rows.push([subject, { type: "uri", value: RDF_TYPE }, idTerm(t)]);
          } else {
            for (const v of list) rows.push([subject, { type: "uri", value: key }, valueTerm(v)]);
          }
        }
      }
    };
    walk(Array.isArray(doc) ? doc : [doc]);
    return rows;
  }

  function renderTable(vars, rows, prefixes, caption) {
    const wrap = el("div", "table-wrap");
    wrap.tabIndex = 0; // scrollable with the keyboard
    const table = el("table", "results");
    table.append(el("caption", "visually-hidden", caption));
    const head = table.createTHead().insertRow();
    for (const v of vars) {
      const th = el("th", "", v);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    wrap.append(table);
    els.results.replaceChildren(wrap);
    if (rows.length === 0) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = Math.max(vars.length, 1);
      cell.className = "empty";
      cell.textContent = "No results.";
      return;
    }
    let shown = 0;
    showMore = () => {
      const end = Math.min(shown + PAGE_ROWS, rows.length);
      const fragment = document.createDocumentFragment();
      for (; shown < end; shown++) {
        const tr = document.createElement("tr");
        for (const cell of rows[shown]) tr.insertCell().append(termNode(cell, prefixes));
        fragment.append(tr);
      }
      body.append(fragment);
      const left = rows.length - shown;
      els.more.hidden = left <= 0;
      els.more.textContent = `Show ${plural(Math.min(left, PAGE_ROWS), "more row", "more rows")} (${left.toLocaleString("en")} not shown)`;
      if (left <= 0) showMore = null;
    };
    showMore();
  }

  // ---- status, errors, downloads ----------------------------------------------------------

  function plural(n, one, many) {
    return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
  }

  function setStatus(text, rows) {
    els.status.textContent = text;
    if (rows === undefined) els.status.removeAttribute("data-rows");
    else els.status.dataset.rows = String(rows);
  }

  function clearOutcome() {
    setStatus("");
    els.truncated.hidden = true;
    els.truncated.textContent = "";
    els.error.hidden = true;
    els.error.replaceChildren();
    els.downloads.hidden = true;
    els.downloads.replaceChildren();
    els.results.replaceChildren();
    els.more.hidden = true;
    showMore = null;
  }

  /** The service's JSON error shape {"error": {code, message, context, details}} as readable text. */
  function showError(error, status, retryAfter) {
    const box = els.error;
    box.replaceChildren();
    const title = el("p", "error-title");
    title.append(el("strong", "error-code", error.code || "error"));
    if (status) title.append(` (HTTP ${status})`);
    box.append(title, el("p", "error-message", error.message || "The request failed."));
    const where = error.context && typeof error.context === "object" ? Object.entries(error.context) : [];
    if (where.length) {
      const dl = el("dl", "error-context");
      for (const [k, v] of where) dl.append(el("dt", "", k), el("dd", "", String(v)));
      box.append(dl);
    }
    if (Array.isArray(error.details) && error.details.length) {
      const ul = el("ul", "error-details");
      for (const d of error.details) {
        const text = d && typeof d === "object" ? Object.entries(d).map(([k, v]) => `${k}: ${v}`).join("; ") : d;
        ul.append(el("li", "", String(text)));
      }
      box.append(ul);
    }
    const at = /\bat (\d+):(\d+)\b/.exec(error.message || "");
    if (at) {
      const button = el("button", "goto", `Show line ${at[1]}, column ${at[2]} in the editor`);
      button.type = "button";
      button.addEventListener("click", () => goTo(Number(at[1]), Number(at[2])));
      box.append(button);
    }
    const hint = [ERROR_HINTS[error.code], retryAfter ? `Try again in ${retryAfter} s.` : ""].filter(Boolean);
    if (hint.length) box.append(el("p", "hint", hint.join(" ")));
    box.hidden = false;
  }

  async function showHttpError(response) {
    const text = await response.text().catch(() => "");
    let error;
    try {
      error = JSON.parse(text).error;
    } catch {
      error = null;
    }
    if (!error || typeof error !== "object") {
      error = { code: "http_error", message: text.trim().slice(0, 500) || response.statusText || "The request failed." };
    }
    showError(error, response.status, response.headers.get("retry-after"));
    setStatus("The query failed.");
  }

  function showDownloads(query, kind) {
    els.downloads.replaceChildren(el("span", "downloads-label", "Download:"));
    for (const [format, label, ext] of FORMATS[kind]) {
      const a = el("a", "download", label);
      a.href = downloadUrl(query, format);
      a.dataset.format = format;
      a.download = `stigraph-results.${ext}`;
      els.downloads.append(" ", a);
    }
    els.downloads.hidden = false;
  }

  /** With a token, a download is fetched with it (a link cannot carry a header) and saved. */
  async function onDownloadClick(event) {
    const link = event.target.closest("a[data-format]");
    if (!link || !token()) return;
    event.preventDefault();
    try {
      const response = await fetch(link.href, { headers: authHeaders({}), credentials: "omit", cache: "no-store" });
      if (!response.ok) {
        await showHttpError(response);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const save = el("a");
      save.href = url;
      save.download = link.download;
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      showError({ code: "network_error", message: `The download failed: ${err.message}` });
    }
  }

  // ---- running ----------------------------------------------------------------------------

  async function run() {
    const query = els.query.value;
    if (running) running.abort();
    clearOutcome();
    if (!query.trim()) {
      showError({ code: "empty_query", message: "Write a query first, or choose an example." });
      return;
    }
    const controller = new AbortController();
    running = controller;
    els.run.disabled = true;
    els.cancel.disabled = false;
    els.results.setAttribute("aria-busy", "true");
    setStatus("Running…");
    const started = performance.now();
    try {
      const response = await fetch(ENDPOINT, {
        method: "POST",
        headers: authHeaders({ Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" }),
        body: new URLSearchParams({ query }),
        credentials: "omit", // the token travels in the header only, never in a cookie
        cache: "no-store",
        signal: controller.signal,
      });
      if (!response.ok) {
        await showHttpError(response);
        return;
      }
      const type = (response.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
      let body;
      try {
        body = await response.json();
      } catch (err) {
        if (err.name === "AbortError") throw err;
        showError({
          code: "response_cut_off",
          message: "The service stopped the response before its end (deadline or engine failure); nothing is shown.",
        });
        setStatus("The query failed.");
        return;
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const headerRows = response.headers.get("x-result-rows");
      const truncated = response.headers.get("x-result-truncated") === "true";
      const limit = response.headers.get("x-result-limit");
      const prefixes = prefixesOf(query);
      let kind;
      if (type === "application/sparql-results+json" && "boolean" in body) {
        kind = "boolean";
        const answer = el("p", "boolean", String(body.boolean));
        els.results.replaceChildren(answer);
        setStatus(`ASK answered ${body.boolean} in ${seconds} s.`);
      } else if (type === "application/sparql-results+json") {
        kind = "results";
        const vars = body.head.vars;
        const rows = body.results.bindings.map((b) => vars.map((v) => b[v]));
        const count = headerRows === null ? rows.length : Number(headerRows);
        renderTable(vars.map((v) => `?${v}`), rows, prefixes, `${plural(count, "row", "rows")} of results`);
        setStatus(`${plural(count, "row", "rows")} in ${seconds} s.`, count);
      } else if (type === "application/ld+json") {
        kind = "graph";
        const rows = jsonldRows(body);
        const count = headerRows === null ? rows.length : Number(headerRows);
        renderTable(["subject", "predicate", "object"], rows, prefixes, `${plural(count, "triple", "triples")}`);
        setStatus(`${plural(count, "triple", "triples")} in ${seconds} s.`, count);
      } else {
        showError({ code: "unexpected_response", message: `The service answered ${type || "without a type"}.` });
        setStatus("The query failed.");
        return;
      }
      if (truncated) {
        const unit = kind === "graph" ? "triples" : "rows";
        els.truncated.textContent =
          `Truncated: the service returns at most ${Number(limit).toLocaleString("en")} ${unit} ` +
          "per query, so these are not all the results. Narrow the query, or page through it with LIMIT and OFFSET.";
        els.truncated.hidden = false;
      }
      showDownloads(query, kind);
    } catch (err) {
      if (err.name === "AbortError") {
        setStatus("Cancelled.");
      } else {
        showError({ code: "network_error", message: `The service could not be reached: ${err.message}` });
        setStatus("The query failed.");
      }
    } finally {
      if (running === controller) {
        running = null;
        els.run.disabled = false;
        els.cancel.disabled = true;
        els.results.removeAttribute("aria-busy");
      }
    }
  }

  // ---- examples ---------------------------------------------------------------------------

  async function loadExamples() {
    try {
      const response = await fetch(EXAMPLES, { credentials: "omit" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const examples = await response.json();
      for (const ex of examples) {
        const option = el("option", "", ex.title);
        option.value = ex.name;
        option.dataset.query = ex.query;
        els.examples.append(option);
      }
    } catch {
      els.examples.options[0].textContent = "Examples unavailable";
      els.examples.disabled = true;
    }
  }

  function onExample() {
    const option = els.examples.selectedOptions[0];
    if (!option || !option.value) return;
    els.query.value = option.dataset.query;
    updateShare();
  }

  // ---- start ------------------------------------------------------------------------------

  async function copyShare() {
    const url = els.share.href;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      const scratch = el("textarea");
      scratch.value = url;
      document.body.append(scratch);
      scratch.select();
      document.execCommand("copy");
      scratch.remove();
    }
    els.shareCopy.textContent = "Copied";
    setTimeout(() => {
      els.shareCopy.textContent = "Copy link";
    }, 2000);
  }

  function start() {
    const fromUrl = new URLSearchParams(location.search).get("query");
    let draft = null;
    try {
      draft = sessionStorage.getItem(DRAFT_KEY);
      els.token.value = sessionStorage.getItem(TOKEN_KEY) || "";
    } catch {
      // no storage: start empty
    }
    els.query.value = fromUrl !== null ? fromUrl : draft || DEFAULT_QUERY;
    updateToken();
    updateShare();

    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      run();
    });
    els.cancel.addEventListener("click", () => running && running.abort());
    els.query.addEventListener("keydown", onEditorKey);
    els.query.addEventListener("blur", () => {
      escaped = false;
    });
    els.query.addEventListener("input", updateShare);
    els.examples.addEventListener("change", onExample);
    els.token.addEventListener("input", updateToken);
    els.tokenClear.addEventListener("click", () => {
      els.token.value = "";
      updateToken();
      els.token.focus();
    });
    els.shareCopy.addEventListener("click", copyShare);
    els.downloads.addEventListener("click", onDownloadClick);
    els.more.addEventListener("click", () => showMore && showMore());

    loadExamples();
    if (fromUrl !== null && fromUrl.trim()) run();
  }

  start();
})();
