// Directory search: enhances the server-rendered list (#mentor-list) with instant search over
// every mentor, facet filters with counts and URL state. Without this script the page shows
// its first page of cards and links to the others (/mentors/page/N/) and to the facet pages.
// Index format: generator/src/search/mod.rs. Reading it: search-index.js (formats in
// search-format.js); matching and counting: search-match.js; marks and snippets: search-text.js.

import { normalize, queryTerms } from './search-normalize.js';
import { altTerms, expandTerms, needsWords, typoNotes, visibleTexts } from './search-expand.js';
import { suggest } from './search-suggest.js';
import { openIndex } from './search-index.js';
import { filterAndCount } from './search-match.js';
import { el, findRanges, highlight, markedText, snippet } from './search-text.js';

const PAGE = 30;
const BIO_BIT = 1 << 4;
/** A pause in typing this long ends the query's history entry (the next word pushes one). */
const TYPING_PAUSE_MS = 1500;

const $ = (id) => document.getElementById(id);

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// --- state and URL -----------------------------------------------------------------------------

function stateFromURL(meta) {
  const params = new URLSearchParams(location.search);
  const sel = meta.facets.map((f) => {
    const wanted = new Set(params.getAll(f.key).flatMap((v) => v.split(',')));
    return f.values.filter((v) => wanted.has(v.id)).map((v) => v.id);
  });
  return { q: params.get('q') || '', sel };
}

function stateToSearch(meta, state) {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set('q', state.q.trim());
  meta.facets.forEach((f, i) => state.sel[i].forEach((id) => params.append(f.key, id)));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const isEmpty = (state) => !queryTerms(state.q).length && state.sel.every((s) => !s.length);

// --- the page ----------------------------------------------------------------------------------

class DirectorySearch {
  constructor(index) {
    this.index = index;
    this.meta = index.meta;
    this.form = $('search-panel');
    this.input = $('search-q');
    // Results go in a second list; the full one stays put, hidden (search.css): detaching and
    // re-laying out 10,000 cards costs seconds. id="mentor-list" names the list shown.
    this.fullList = $('mentor-list');
    this.resultList = this.fullList.cloneNode(false);
    this.list = this.fullList;
    this.status = $('search-status');
    this.nohit = $('search-nohit');
    this.pager = this.fullList.parentElement.querySelector('.pager');
    this.original = [...this.fullList.children];
    const slugs = this.original.map((li) => li.dataset.slug || '');
    // Cards are used directly when the page lists exactly the indexed mentors in index order
    // (a catalogue that fits on one page); otherwise they are drawn from the index's records.
    this.cards =
      slugs.length === this.meta.docs && fnv1a(slugs.join('\n')) === this.meta.slugHash
        ? this.original
        : null;
    this.seq = 0;
    this.limit = PAGE;
    this.typing = false;
    this.buildFacets();
    this.more = el('button', { type: 'button', class: 'search-more', hidden: '' });
    this.more.addEventListener('click', () => this.showMore());
    this.fullList.after(this.more);
    this.bind();
  }

  buildFacets() {
    this.boxes = [];
    this.countSpans = [];
    this.summaries = [];
    this.details = [];
    const container = $('search-facets');
    this.meta.facets.forEach((facet, f) => {
      const boxes = [];
      const counts = [];
      const items = facet.values.map((v) => {
        const box = el('input', { type: 'checkbox', name: facet.key, value: v.id });
        const count = el('span', { class: 'search-facet__count' });
        boxes.push(box);
        counts.push(count);
        return el('li', {}, el('label', {}, box, el('span', { text: v.label }), count));
      });
      this.boxes.push(boxes);
      this.countSpans.push(counts);
      if (facet.key === 'accepting') {
        const label = el('label', { class: 'search-toggle' }, boxes[0],
          el('span', { text: facet.values[0].label }), counts[0]);
        $('search-accepting').append(label);
        this.summaries.push(null);
        return;
      }
      const fieldset = el('fieldset', {},
        el('legend', { class: 'visually-hidden', text: facet.label }),
        el('ul', { class: 'search-facet__values' }, ...items));
      // The page draws the groups closed (search_panel.html), so filling them moves nothing.
      let details = [...container.querySelectorAll('details')].find((d) => d.dataset.heading === facet.label);
      let chosen = details?.querySelector('.search-facet__chosen');
      if (details && chosen) {
        details.append(fieldset);
      } else {
        chosen = el('span', { class: 'search-facet__chosen' });
        details = el('details', { class: 'search-facet' },
          el('summary', {}, el('span', { text: facet.label }), chosen), fieldset);
      }
      this.summaries.push(chosen);
      this.details[f] = details;
      // Opening a group shows its counts: fetch its column (once), then count.
      details.addEventListener('toggle', () => {
        if (!details.open || !this.counted) return;
        const { seq } = this.counted;
        this.countsPending();
        this.index.facet(f).then(() => this.recount(seq));
      });
      if (!details.isConnected) container.append(details);
    });
  }

  bind() {
    // While an IME composes (かな → 漢字), wait for the committed text.
    this.input.addEventListener('input', (e) => {
      if (!e.isComposing) this.changed(e.timeStamp, 'typing');
    });
    this.input.addEventListener('compositionend', (e) => this.changed(e.timeStamp, 'typing'));
    this.input.addEventListener('blur', () => { this.typing = false; });
    this.form.addEventListener('change', (e) => {
      if (e.target.type === 'checkbox') this.changed(e.timeStamp, 'facet');
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.typing = false;
    });
    $('search-clear').addEventListener('click', (e) => {
      this.input.value = '';
      for (const boxes of this.boxes) for (const b of boxes) b.checked = false;
      this.changed(e.timeStamp, 'facet');
      this.input.focus();
    });
    window.addEventListener('popstate', () => {
      this.typing = false;
      this.setControls(stateFromURL(this.meta));
      this.run(performance.now());
    });
  }

  readControls() {
    return {
      q: this.input.value,
      sel: this.boxes.map((boxes) => boxes.filter((b) => b.checked).map((b) => b.value)),
    };
  }

  setControls(state) {
    this.input.value = state.q;
    this.boxes.forEach((boxes, f) => {
      for (const b of boxes) b.checked = state.sel[f].includes(b.value);
      // A group with a ticked value (from a shared link or Back) opens so it can be seen.
      const details = boxes[0]?.closest('details');
      if (details && state.sel[f].length) details.open = true;
    });
  }

  changed(timeStamp, kind) {
    const search = stateToSearch(this.meta, this.readControls());
    if (search !== location.search) {
      const url = location.pathname + search + location.hash;
      // Typing replaces its own history entry, so Back leaves the query, not each keystroke;
      // once she pauses (TYPING_PAUSE_MS) or leaves the box, the query she was looking at
      // keeps its entry and the next word starts a new one: Back returns to it.
      if (kind === 'typing' && this.typing) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
      this.typing = kind === 'typing';
    } else if (kind !== 'typing') {
      // (A keystroke that leaves the query as it was — a space — neither opens an entry nor
      // keeps one open past a pause.)
      this.typing = false;
    }
    clearTimeout(this.pause);
    if (this.typing) this.pause = setTimeout(() => { this.typing = false; }, TYPING_PAUSE_MS);
    this.limit = PAGE;
    this.run(timeStamp);
  }

  async run(startedAt) {
    const seq = ++this.seq;
    const state = this.readControls();
    this.updateChosen(state);
    if (isEmpty(state)) {
      this.showAll();
      this.report(startedAt, performance.now(), this.meta.docs);
      return;
    }
    // Each word with what it also stands for (romaji readings, aliases, corrections of a
    // typing mistake, which need the index's word list): search-expand.js.
    const words = queryTerms(state.q);
    let known = [];
    if (needsWords(words, this.meta)) {
      known = await this.index.words().catch(() => []);
      if (seq !== this.seq) return;
    }
    const groups = expandTerms(words, this.meta, known);
    this.fixes = typoNotes(groups);
    const terms = altTerms(groups);
    // Dimming would repaint 10,000 cards.
    if (this.list !== this.fullList) this.list.setAttribute('aria-busy', 'true');
    // Facet columns are fetched when they are needed: to filter (ticked), or to show counts
    // (the accepting toggle, and groups the visitor has opened). All start loading now,
    // alongside the lists; results wait only for the ticked ones, counts follow the others.
    this.index.facetsFor(this.wantedFacets(state)).catch(() => {});
    let lists;
    try {
      [lists] = await Promise.all([
        this.index.prepare(terms),
        this.index.facetsFor(this.meta.facets.map((f, i) => i).filter((i) => state.sel[i].length)),
      ]);
    } catch (err) {
      this.list.removeAttribute('aria-busy');
      this.status.textContent = '検索データを読み込めませんでした。時間をおいて再読み込みしてください。';
      throw err;
    }
    if (seq !== this.seq) return;
    const done = await this.show(state, groups, lists, seq, startedAt, performance.now(),
      !this.index.needsConfirm(lists));
    // A term of three or more characters is confirmed against exact positions (a second
    // small read) while its first results are shown.
    if (done) return;
    try {
      await this.index.confirm(lists);
    } catch (err) {
      this.status.textContent = '検索データを読み込めませんでした。時間をおいて再読み込みしてください。';
      throw err;
    }
    if (seq !== this.seq) return;
    await this.show(state, groups, lists, seq, startedAt, performance.now(), true);
  }

  /**
   * Matches, filters, counts and renders; reports the count (to the page and screen readers)
   * and, when final, marks the list settled for this URL. A first answer with no mentor is
   * final too (confirming only removes). Returns whether the answer was final.
   */
  async show(state, groups, lists, seq, startedAt, dataAt, final) {
    const matched = groups.length ? this.index.matchGroups(groups, lists) : null;
    const selected = state.sel.map((ids, f) => {
      const values = this.meta.facets[f].values;
      return ids.map((id) => values.findIndex((v) => v.id === id));
    });
    this.counted = { docs: matched && matched.docs, selected, seq };
    const filtered = filterAndCount(this.index.loadedFacets, this.meta, matched && matched.docs, selected);
    const passing = filtered.passing;
    this.updateCounts(filtered.counts);
    const wanted = this.wantedFacets(state);
    if (wanted.some((f) => !this.index.loadedFacets[f])) {
      this.countsPending();
      this.index.facetsFor(wanted).then(() => this.recount(seq));
    }
    let order = Array.from(passing);
    const termInfo = new Map();
    if (matched) {
      const at = new Map();
      matched.docs.forEach((d, i) => at.set(d, i));
      order.sort((a, b) => matched.scores[at.get(b)] - matched.scores[at.get(a)] || a - b);
      for (const d of order) termInfo.set(d, matched.masks.map((m) => m[at.get(d)]));
    }
    const before = this.results;
    this.results = { order, terms: visibleTexts(groups), termInfo, seq };
    // A confirmation that changes nothing leaves the cards (and any focus in them) alone.
    const same = before?.seq === seq && before.order.length === order.length
      && before.order.every((d, i) => d === order[i]);
    // The cards' data (a few small reads) is part of the data the results wait for.
    const cardsAt = same ? dataAt : await this.render();
    if (cardsAt === null || seq !== this.seq) return true;
    const done = final || order.length === 0;
    if (order.length === 0) {
      this.showSuggestions(suggest({
        meta: this.meta,
        groups,
        match: (gs) => (gs.length ? this.index.matchGroups(gs, lists) : { docs: null }),
        facetBits: this.index.loadedFacets,
        selected,
        state,
      }));
    }
    this.report(startedAt, Math.max(dataAt, cardsAt), order.length, done);
    return done;
  }

  /** Zero results: each way out (search-suggest.js) as a button that runs it. */
  showSuggestions(items) {
    const list = $('search-suggest');
    list.replaceChildren(...items.map((s) => {
      const button = el('button', { type: 'button', class: 'search-suggest__action' },
        s.text, el('span', { class: 'count', text: `（${s.count}人）` }));
      button.addEventListener('click', (e) => {
        this.typing = false;
        this.setControls(s.state);
        this.changed(e.timeStamp, 'facet');
        this.input.focus();
      });
      return el('li', {}, button);
    }));
    $('search-suggest-box').hidden = !items.length;
  }

  /** Facets whose columns this state needs: ticked, shown (accepting) or opened groups. */
  wantedFacets(state) {
    // One small file holds every column: count them all.
    if (this.index.layout.single) return this.meta.facets.map((f, i) => i);
    return this.meta.facets.map((f, i) => i).filter((i) =>
      state.sel[i].length || this.meta.facets[i].key === 'accepting' || this.details[i]?.open);
  }

  /** Counts again once more facet columns have arrived (same results). */
  recount(seq) {
    if (!this.counted || seq !== this.counted.seq || seq !== this.seq) return;
    const { docs, selected } = this.counted;
    this.updateCounts(filterAndCount(this.index.loadedFacets, this.meta, docs, selected).counts);
    document.dispatchEvent(new CustomEvent('mikke:counts'));
  }

  swapTo(list) {
    if (this.list === list) return;
    const hide = list === this.resultList;
    const full = this.fullList;
    this.list.removeAttribute('aria-busy');
    full.id = hide ? '' : 'mentor-list';
    full.classList.toggle('is-search-hidden', hide);
    // The pages of the full list make no sense beside results.
    if (this.pager) this.pager.hidden = hide;
    if (hide) full.before(list);
    else this.resultList.remove();
    this.list = list;
  }

  showAll() {
    this.results = null;
    this.counted = null;
    this.swapTo(this.fullList);
    this.list.removeAttribute('aria-busy');
    this.more.hidden = true;
    this.nohit.hidden = true;
    this.updateCounts(this.meta.facets.map((f) => f.values.map((v) => v.count)));
  }

  async showMore() {
    const first = this.limit;
    this.limit += PAGE;
    if ((await this.render()) === null) return;
    this.report(performance.now(), performance.now(), this.results.order.length);
    const card = this.resultList.children[first];
    const link = card && card.querySelector('a');
    if (link) link.focus();
  }

  /**
   * Draws the first `limit` results. Cards come from the page when it holds every mentor,
   * else from the index's records (fetched first: the list changes once, complete). Returns
   * when the card data arrived, or null when a newer search took over meanwhile.
   */
  async render() {
    const { order, terms, termInfo, seq } = this.results;
    const marks = terms.flat();
    const shown = order.slice(0, this.limit);
    // The records also say which labels a card carries (「該当：…」), page cards or not.
    const records = await Promise.all(shown.map((d) => this.index.card(d)));
    const cardsAt = performance.now();
    if (this.results?.seq !== seq) return null;
    const frag = document.createDocumentFragment();
    const bios = [];
    shown.forEach((doc, i) => {
      const card = this.cards ? this.cards[doc].cloneNode(true) : this.buildCard(records[i]);
      frag.append(card);
      // terms[j]: the texts word j may appear as on a card (itself, its aliases).
      const found = highlight(card, marks);
      const masks = termInfo.get(doc) || [];
      const missingWords = terms.map((ts, j) => j).filter((j) => masks[j] && !terms[j].some((t) => found.has(t)));
      const missing = missingWords.flatMap((j) => terms[j]);
      if (!missing.length) return;
      const labels = this.labelsMatching(records[i], missing);
      if (labels.length) {
        card.append(el('p', { class: 'search-snippet search-snippet--labels' },
          '該当：', markedText(labels.join('、'), findRanges(labels.join('、'), missing))));
      }
      const inBio = missingWords.some((j) => masks[j] & BIO_BIT
        && !labels.some((l) => terms[j].some((t) => normalize(l).includes(t))));
      if (inBio) bios.push([doc, card]);
    });
    this.resultList.replaceChildren(frag);
    this.swapTo(this.resultList);
    this.list.removeAttribute('aria-busy');
    const rest = order.length - shown.length;
    this.more.hidden = rest <= 0;
    this.more.textContent = `さらに表示（残り${rest}人）`;
    this.nohit.hidden = order.length > 0;
    // Bio snippets arrive after the results.
    for (const [doc, card] of bios) {
      this.index.bio(doc).then((bio) => {
        if (this.results?.seq !== seq || !bio) return;
        const p = snippet(bio, marks);
        if (p) card.append(p);
      });
    }
    return cardsAt;
  }

  /**
   * Vocabulary labels a mentor carries (her index record's values) that contain one of
   * `terms`, in meta.json order (for label-only matches).
   */
  labelsMatching([, , , , , values], terms) {
    const out = [];
    this.meta.facets.forEach((facet, f) => {
      if (facet.key === 'accepting') return;
      facet.values.forEach((v, i) => {
        if (values[f].includes(i) && terms.some((t) => normalize(v.label).includes(t))) out.push(v.label);
      });
    });
    return out;
  }

  /** A card from the index's record, the same markup as templates/partials/mentor_card.html. */
  buildCard([slug, name, title, summary, , values]) {
    const [[industry], [size], , , tags] = values;
    const accepting = values.at(-1).length > 0;
    const label = (f, v) => this.meta.facets[f].values[v]?.label ?? '';
    const card = el('li', { class: 'mentor-card', 'data-slug': slug },
      el('h3', { class: 'mentor-card__name' }, el('a', { href: `/mentors/${slug}/`, text: name })),
      el('p', { class: 'mentor-card__title', text: title }),
      el('p', { class: 'mentor-card__meta' },
        el('span', { text: label(0, industry) }), el('span', { text: label(1, size) })),
      accepting
        ? el('p', { class: 'badge badge--open', text: '受付中' })
        : el('p', { class: 'badge badge--closed', text: '受付停止中' }),
      el('p', { class: 'mentor-card__summary', text: summary }));
    if (tags.length) card.append(el('ul', { class: 'chips' }, ...tags.map((t) => el('li', { text: label(4, t) }))));
    return card;
  }

  countsPending() {
    this.form.classList.add('is-counting');
  }

  updateCounts(counts) {
    this.form.classList.remove('is-counting');
    counts.forEach((values, f) => {
      if (!values) {
        // Not loaded: no stale number; it is counted when the group opens.
        for (const span of this.countSpans[f]) span.textContent = '';
        return;
      }
      values.forEach((n, i) => {
        const span = this.countSpans[f][i];
        span.textContent = `（${n}）`;
        span.closest('label').classList.toggle('is-empty', n === 0);
      });
    });
  }

  updateChosen(state) {
    state.sel.forEach((ids, f) => {
      const chosen = this.summaries[f];
      if (chosen) chosen.textContent = ids.length ? `${ids.length}件選択中` : '';
    });
  }

  /** `final` = the answer for this URL (not a first answer awaiting confirmation). */
  report(startedAt, dataAt, count, final = true) {
    const renderedAt = performance.now();
    if (this.results === null) {
      this.status.textContent = `全${count}人のメンターを表示しています。`;
    } else if (count === 0) {
      this.status.textContent = '条件に合うメンターは見つかりませんでした。';
    } else {
      const shown = Math.min(count, this.limit);
      // Corrected words are named, so a hit through one is never a mystery.
      const fixes = (this.fixes || []).map(([typed, fixed]) => `「${typed}」は「${fixed.join('」「')}」`).join('、');
      this.status.textContent =
        `${count}人のメンターが見つかりました。` + (shown < count ? `上位${shown}人を表示しています。` : '')
        + (fixes ? `${fixes}のつづりとしても探し、その結果は後ろに並べています。` : '');
    }
    const detail = {
      count,
      search: location.search,
      msAfterData: renderedAt - dataAt,
      msTotal: renderedAt - startedAt,
      bytesFetched: this.index.bytesFetched,
      bytesConfirm: this.index.bytesConfirm,
      final,
    };
    // Tests wait for this: the list shows the final answer for the URL.
    if (final) this.list.dataset.searchState = location.search || 'all';
    else delete this.list.dataset.searchState;
    document.dispatchEvent(new CustomEvent('mikke:search', { detail }));
  }
}

async function main() {
  const form = $('search-panel');
  const list = $('mentor-list');
  if (!form || !list) return;
  const index = await openIndex(new URL('../search/', import.meta.url));
  const ui = new DirectorySearch(index);
  form.hidden = false;
  ui.setControls(stateFromURL(index.meta));
  await ui.run(performance.now());
  document.documentElement.dataset.searchReady = 'true';
}

main().catch((err) => {
  // The server-rendered list stays as it is: searching is an enhancement.
  const form = $('search-panel');
  if (form) form.hidden = true;
  console.error('search unavailable:', err);
});
