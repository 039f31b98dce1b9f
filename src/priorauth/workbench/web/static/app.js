// priorauth workbench: the page viewer with evidence boxes, selecting words as evidence,
// extraction progress, and keyboard shortcuts. Every action is also a plain form, so the
// screens work without this script; it only adds the viewer and the shortcuts.
"use strict";

(function () {
  const viewer = document.getElementById("viewer");
  const progress = document.getElementById("progress");
  if (progress) watchProgress(progress.dataset.case);
  if (viewer) setUpReview(viewer);
  // The browser's offset from UTC on the day entered (not today: summer time differs).
  const offset = document.getElementById("tz-offset");
  if (offset) {
    const received = offset.form.elements.namedItem("received_at");
    const sync = () => {
      const when = received.value ? new Date(received.value) : new Date();
      offset.value = String(when.getTimezoneOffset());
    };
    received.addEventListener("change", sync); sync();
  }
  const search = document.getElementById("search");
  if (search) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "/" && !typing(event)) { event.preventDefault(); search.focus(); }
    });
  }

  function typing(event) {
    const tag = event.target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable;
  }

  function watchProgress(caseId) {
    const bar = document.getElementById("progress-bar");
    const text = document.getElementById("progress-text");
    const tick = async () => {
      try {
        const answer = await fetch(`/cases/${caseId}/progress`, { credentials: "same-origin" });
        if (answer.ok) {
          const state = await answer.json();
          if (state.status !== "extracting") { window.location.reload(); return; }
          if (state.total) {
            bar.max = state.total; bar.value = state.done;
            text.textContent = `Page ${state.done} of ${state.total}`;
          }
        }
      } catch (error) { /* the server restarting: keep asking */ }
      window.setTimeout(tick, 700);
    };
    window.setTimeout(tick, 300);
  }

  function setUpReview(viewer) {
    const caseId = viewer.dataset.case;
    const image = document.getElementById("page-image");
    const highlights = document.getElementById("highlights");
    const layer = document.getElementById("word-layer");
    const docSelect = document.getElementById("doc-select");
    const label = document.getElementById("page-label");
    const state = { doc: 1, page: 1, pages: 1, width: 612, height: 792, words: [], boxes: [] };
    let anchor = null;
    let latest = 0;

    // Only the latest page asked for is drawn: an OCR'd page answers slower than a text
    // page, and words of one page under the image of another would cite the wrong text.
    async function show(doc, page, boxes) {
      const ticket = ++latest;
      docSelect.value = String(doc);
      image.src = `/cases/${caseId}/documents/${doc}/pages/${page}.png?width=1100`;
      const answer = await fetch(`/cases/${caseId}/documents/${doc}/pages/${page}/words`,
        { credentials: "same-origin" });
      if (ticket !== latest) return;
      if (!answer.ok) { label.textContent = `page ${page}: not readable`; return; }
      const read = await answer.json();
      if (ticket !== latest) return;
      Object.assign(state, { doc, page, boxes: boxes || [], width: read.width,
        height: read.height, words: read.words, pages: read.pages });
      label.textContent = `page ${page} of ${read.pages}`;
      drawBoxes(); drawWords();
      const first = highlights.querySelector(".box");
      if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
    }

    function place(element, box) {
      element.style.left = `${(100 * box.x0) / state.width}%`;
      element.style.top = `${(100 * box.top) / state.height}%`;
      element.style.width = `${(100 * (box.x1 - box.x0)) / state.width}%`;
      element.style.height = `${(100 * (box.bottom - box.top)) / state.height}%`;
    }

    function drawBoxes() {
      highlights.replaceChildren();
      for (const box of state.boxes) {
        if (box && box.x1 !== undefined) {
          const mark = document.createElement("div");
          mark.className = "box"; place(mark, box); highlights.appendChild(mark);
        }
      }
    }

    function drawWords() {
      layer.replaceChildren();
      state.words.forEach((word, index) => {
        const span = document.createElement("span");
        span.dataset.index = String(index); span.title = word.text;
        place(span, word); layer.appendChild(span);
      });
    }

    // Selecting evidence: press on a word and drag to another; the words between them in
    // reading order become the quote. The server reads the quote from the page itself.
    function select(from, to) {
      const [lo, hi] = from <= to ? [from, to] : [to, from];
      layer.querySelectorAll("span").forEach((span) => {
        const index = Number(span.dataset.index);
        span.classList.toggle("sel", index >= lo && index <= hi);
      });
      const words = state.words.slice(lo, hi + 1);
      setField("sel-document", state.doc); setField("sel-page", state.page);
      setField("sel-start", words[0].start); setField("sel-end", words[words.length - 1].end);
      const text = words.map((word) => word.text).join(" ");
      setField("sel-text", text);
      const quote = document.getElementById("sel-quote");
      if (quote) quote.textContent = text;
    }

    function setField(id, value) {
      const field = document.getElementById(id);
      if (field) field.value = String(value);
    }

    layer.addEventListener("mousedown", (event) => {
      const index = event.target.dataset ? event.target.dataset.index : undefined;
      if (index === undefined) return;
      event.preventDefault(); anchor = Number(index); select(anchor, anchor);
    });
    layer.addEventListener("mouseover", (event) => {
      if (anchor === null || event.target.dataset.index === undefined) return;
      select(anchor, Number(event.target.dataset.index));
    });
    document.addEventListener("mouseup", () => { anchor = null; });

    const clear = document.getElementById("sel-clear");
    if (clear) {
      clear.addEventListener("click", () => {
        ["sel-document", "sel-page", "sel-start", "sel-end", "sel-text"].forEach((id) => setField(id, ""));
        document.getElementById("sel-quote").textContent = "none selected";
        layer.querySelectorAll(".sel").forEach((span) => span.classList.remove("sel"));
      });
    }

    document.getElementById("prev-page").addEventListener("click", () => {
      if (state.page > 1) show(state.doc, state.page - 1);
    });
    document.getElementById("next-page").addEventListener("click", () => {
      if (state.page < state.pages) show(state.doc, state.page + 1);
    });
    docSelect.addEventListener("change", () => show(Number(docSelect.value), 1));

    function evidenceOf(card) {
      return Array.from(card.querySelectorAll(".evidence-link"));
    }

    function showEvidence(button) {
      document.querySelectorAll(".evidence-link.shown").forEach((b) => b.classList.remove("shown"));
      button.classList.add("shown");
      const card = button.closest(".fact");
      // Every box the fact has on that page, so a quote split across lines is all marked.
      const boxes = evidenceOf(card)
        .filter((b) => b.dataset.doc === button.dataset.doc && b.dataset.page === button.dataset.page)
        .map((b) => JSON.parse(b.dataset.box || "{}"));
      show(Number(button.dataset.doc), Number(button.dataset.page), boxes);
    }

    document.querySelectorAll(".evidence-link").forEach((button) => {
      button.addEventListener("click", () => { focusFact(button.closest(".fact")); showEvidence(button); });
    });

    // Showing only the chosen kind's inputs in the add form (the server reads only those).
    const kind = document.getElementById("add-kind");
    if (kind) {
      const sync = () => document.querySelectorAll(".kind-fields").forEach((set) => {
        set.hidden = set.dataset.kind !== kind.value;
      });
      kind.addEventListener("change", sync); sync();
    }

    // Keyboard: j/k move between facts, c/x/e act on the current one, Enter shows its evidence.
    const cards = Array.from(document.querySelectorAll(".fact"));
    let current = -1;
    function focusFact(card) {
      if (!card) return;
      cards.forEach((c) => c.classList.remove("current"));
      card.classList.add("current"); current = cards.indexOf(card);
      card.focus({ preventScroll: true }); card.scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const card = cards[current];
      if (event.key === "j" || event.key === "k") {
        const next = Math.max(0, Math.min(cards.length - 1, current + (event.key === "j" ? 1 : -1)));
        focusFact(cards[next]);
        const first = cards[next] && evidenceOf(cards[next])[0];
        if (first) showEvidence(first);
        event.preventDefault();
      } else if (card && event.key === "Enter" && event.target === card) {
        const first = evidenceOf(card)[0];
        if (first) showEvidence(first);
      } else if (card && ["c", "x", "e"].includes(event.key)) {
        const target = card.querySelector(`[data-key="${event.key}"]`);
        if (target) { event.preventDefault(); target.click(); }
      }
    });

    // Start where the address points (?doc=&page=&fact=, from the decision screen), else at
    // the first fact that needs attention, else the first page.
    // After a change the address ends in #fact-<id>: go on from the fact just changed.
    const params = new URLSearchParams(window.location.search);
    const named = params.get("fact") ? `fact-${params.get("fact")}`
      : decodeURIComponent(window.location.hash.slice(1));
    const wanted = named.startsWith("fact-") ? document.getElementById(named) : null;
    const start = wanted || document.querySelector(".fact.attention") || cards[0];
    if (start) focusFact(start);
    if (params.get("doc")) {
      const button = wanted && evidenceOf(wanted).find((b) =>
        b.dataset.doc === params.get("doc") && b.dataset.page === params.get("page"));
      if (button) showEvidence(button);
      else show(Number(params.get("doc")), Number(params.get("page") || 1));
    } else if (start && evidenceOf(start)[0]) {
      showEvidence(evidenceOf(start)[0]);
    } else {
      show(1, 1);
    }
  }
})();
