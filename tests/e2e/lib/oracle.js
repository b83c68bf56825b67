// An independent reference for what the directory search must return: plain substring checks
// on the normalised texts (no bigrams, no index), and facet filtering on catalog.json. Words
// stand for their alternatives (romaji readings, aliases) as search-expand.js defines them.
import { normalize, queryTerms, shortReading } from '../../../templates/static/search-normalize.js';
import { expandTerms } from '../../../templates/static/search-expand.js';

const VOCAB = {
  industry: 'industries',
  company_size: 'company_sizes',
  job_functions: 'job_functions',
  age_band: 'age_bands',
  tags: 'mentor_tags',
  topics: 'topics',
};

export function mentorValues(mentor, key) {
  if (key === 'accepting') return mentor.accepting ? ['1'] : [];
  const v = mentor[key];
  return Array.isArray(v) ? v : [v];
}

export class Oracle {
  constructor({ meta, catalog, docs }) {
    this.meta = meta;
    this.mentors = catalog.mentors;
    this.taxonomy = catalog.taxonomy;
    this.docs = docs;
    // The Latin words a typing mistake may be corrected to: 4+ letters of a–z in any field or
    // alias, found here from the texts themselves (the builder's list is checked against it).
    const words = new Set();
    const collect = (text) => { for (const w of text.split(/[^a-z]+/)) if (w.length >= 4) words.add(w); };
    this.mentors.forEach((m, i) => this.fields(i).forEach(collect));
    for (const group of meta.aliases || []) group.forEach(collect);
    this.words = [...words].sort();
  }

  labels(i) {
    const m = this.mentors[i];
    return Object.entries(VOCAB).flatMap(([key, vocab]) =>
      mentorValues(m, key).map((id) => this.taxonomy[vocab][id]));
  }

  /** Normalised searchable fields of mentor i: name, title, labels, summary, bio. */
  fields(i) {
    const [, name, title, summary, bio] = this.docs[i];
    const kana = this.mentors[i].name_kana;
    const reading = kana ? `\n${normalize(kana)}\n${shortReading(normalize(kana))}` : '';
    return [name + reading, title, this.labels(i).join('\n'), summary, bio].map(normalize);
  }

  matchesQuery(i, q) {
    const fields = this.fields(i);
    const bits = this.meta.fields.map((f) => f.bit);
    return expandTerms(queryTerms(q), this.meta, this.words).every((g) => g.alts.some((a) =>
      fields.some((f, k) => (!a.fields || a.fields & bits[k]) && f.includes(a.text))));
  }

  passes(i, sel, except = null) {
    return Object.entries(sel).every(([key, ids]) =>
      key === except || !ids.length || mentorValues(this.mentors[i], key).some((v) => ids.includes(v)));
  }

  /** Slugs matching query `q` and selections `sel` ({key: [ids]}), in catalogue order. */
  results(q, sel = {}) {
    return this.mentors
      .map((m, i) => i)
      .filter((i) => this.matchesQuery(i, q) && this.passes(i, sel))
      .map((i) => this.mentors[i].slug);
  }

  /** How many mentors each value of facet `key` would leave. */
  counts(q, sel, key) {
    const facet = this.meta.facets.find((f) => f.key === key);
    return facet.values.map((v) =>
      this.mentors.filter((m, i) =>
        this.matchesQuery(i, q) && this.passes(i, sel, key) && mentorValues(m, key).includes(v.id),
      ).length);
  }
}
