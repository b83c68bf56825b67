// Readings typed in romaji: "takahashi", "satou", "satoh", "sato", "yuuko", "yūko", kunrei-shiki
// "sitara" — each to the kana the profile's name_kana is indexed in (generator/src/search/
// document.rs indexes the reading and its short form). Hepburn, kunrei-shiki and the usual IME
// spellings; anything that is not romaji from end to end gives null (so "hr" or "sales" stay
// Latin words only).

const ROWS = {
  '': ['あ', 'い', 'う', 'え', 'お'],
  k: ['か', 'き', 'く', 'け', 'こ'], s: ['さ', 'し', 'す', 'せ', 'そ'], t: ['た', 'ち', 'つ', 'て', 'と'],
  n: ['な', 'に', 'ぬ', 'ね', 'の'], h: ['は', 'ひ', 'ふ', 'へ', 'ほ'], m: ['ま', 'み', 'む', 'め', 'も'],
  r: ['ら', 'り', 'る', 'れ', 'ろ'], l: ['ら', 'り', 'る', 'れ', 'ろ'], g: ['が', 'ぎ', 'ぐ', 'げ', 'ご'],
  z: ['ざ', 'じ', 'ず', 'ぜ', 'ぞ'], d: ['だ', 'ぢ', 'づ', 'で', 'ど'], b: ['ば', 'び', 'ぶ', 'べ', 'ぼ'],
  p: ['ぱ', 'ぴ', 'ぷ', 'ぺ', 'ぽ'],
};
const VOWELS = 'aiueo';
const TABLE = new Map();
for (const [c, kana] of Object.entries(ROWS)) [...VOWELS].forEach((v, i) => TABLE.set(c + v, kana[i]));
// Contracted sounds: ky-, gy-, … and the Hepburn/kunrei/IME spellings of sh-, ch-, j-.
const SMALL = { a: 'ゃ', u: 'ゅ', o: 'ょ' };
for (const [c, i] of Object.entries({ k: 'き', g: 'ぎ', n: 'に', h: 'ひ', m: 'み', r: 'り', l: 'り', b: 'び', p: 'ぴ', d: 'ぢ' })) {
  for (const [v, s] of Object.entries(SMALL)) TABLE.set(`${c}y${v}`, i + s);
}
for (const [spellings, i] of [[['sh', 'sy'], 'し'], [['ch', 'ty', 'cy'], 'ち'], [['j', 'zy', 'jy'], 'じ']]) {
  for (const sp of spellings) {
    for (const [v, s] of Object.entries(SMALL)) TABLE.set(sp + v, i + s);
    TABLE.set(`${sp}e`, `${i}ぇ`);
  }
}
for (const [k, v] of Object.entries({
  shi: 'し', chi: 'ち', tsu: 'つ', fu: 'ふ', ji: 'じ', ya: 'や', yu: 'ゆ', yo: 'よ', wa: 'わ', wo: 'を',
  fa: 'ふぁ', fi: 'ふぃ', fe: 'ふぇ', fo: 'ふぉ', va: 'ゔぁ', vi: 'ゔぃ', vu: 'ゔ', ve: 'ゔぇ', vo: 'ゔぉ',
})) TABLE.set(k, v);

// Macrons and circumflexes spell long vowels (Tōkyō, Yûko).
const LONG = { 'ā': 'aa', 'ī': 'ii', 'ū': 'uu', 'ē': 'ee', 'ō': 'ou', 'â': 'aa', 'î': 'ii', 'û': 'uu', 'ê': 'ee', 'ô': 'ou' };

const isVowel = (c) => c !== undefined && VOWELS.includes(c);

/** `text` (lower case) read as romaji, in hiragana; null when it is not romaji throughout. */
export function romajiToKana(text) {
  const s = [...text].map((c) => LONG[c] ?? c).join('');
  if (!/^[a-z]+$/.test(s)) return null;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const next = s[i + 1];
    // "oh" before a consonant or at the end lengthens the o (Satoh, Ohno).
    if (c === 'h' && s[i - 1] === 'o' && !isVowel(next) && next !== 'y') {
      out += 'う';
      i++;
    } else if (c === 'n' && next === 'n') {
      out += 'ん';
      // "nna" is ん + な (Hepburn konna); "nn" alone is ん (IME).
      i += isVowel(s[i + 2]) || s[i + 2] === 'y' ? 1 : 2;
    } else if (c === 'n' && !isVowel(next) && next !== 'y') {
      out += 'ん';
      i++;
    } else if (c === 'm' && (next === 'b' || next === 'p' || next === 'm')) {
      out += 'ん'; // Hepburn shimbun
      i++;
    } else if (c === next && !isVowel(c)) {
      out += 'っ';
      i++;
    } else if (c === 't' && s.startsWith('ch', i + 1)) {
      out += 'っ'; // matchi
      i++;
    } else {
      const len = [3, 2, 1].find((n) => TABLE.has(s.slice(i, i + n)));
      if (!len) return null;
      out += TABLE.get(s.slice(i, i + len));
      i += len;
    }
  }
  return out;
}
