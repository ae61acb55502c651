/**
 * The terms of the n-gram vectorisers (`ngram-v1`, spec `word:a-b` or `char:a-b`), spelled out so
 * an auditor can recompute them bit for bit (prover/influence/README.md repeats these rules):
 * 1. the text is normalised to Unicode NFKC, then lower-cased with `String.prototype.toLowerCase`
 *    (Unicode default case mapping, locale-independent);
 * 2. words = maximal runs of code points in the classes L (letters), M (marks) and N (numbers), a
 *    run longer than NGRAM_MAX_WORD_CODE_POINTS split into pieces of that length; only the first
 *    NGRAM_MAX_WORDS words count (everything else, punctuation and spaces included, separates words);
 * 3. `word`: for each n in [minN, maxN], each window of n consecutive words joined by one U+0020;
 *    `char`: each word is padded with one U+0020 on both sides, and for each n in [minN, maxN]
 *    every window of n consecutive code points of the padded word is a term (a padded word shorter
 *    than n gives none), so n-grams never cross a word boundary and the padding marks word starts
 *    and ends.
 * Terms are listed word by word, n ascending within a word (char) or n ascending over the text
 * (word); the order does not change the vector, only its construction.
 */

/** Words beyond this many are ignored (bounds the cost of a long mail; hashing-v1 uses 2,000 tokens too). */
export const NGRAM_MAX_WORDS = 2000
/** A longer run of letters/digits (a base64 blob, a URL path) is cut into pieces of this many code points. */
export const NGRAM_MAX_WORD_CODE_POINTS = 30

const WORD = new RegExp(`[\\p{L}\\p{M}\\p{N}]{1,${NGRAM_MAX_WORD_CODE_POINTS}}`, 'gu')

/** The words of a text (rules 1 and 2), each as an array of code points. */
export function ngramWords(text: string): string[][] {
  const words: string[][] = []
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    words.push(Array.from(match[0]))
    if (words.length === NGRAM_MAX_WORDS) break
  }
  return words
}

/** Every term of a text for one unit and n range (rule 3). */
export function ngramTerms(text: string, unit: 'char' | 'word', minN: number, maxN: number): string[] {
  const words = ngramWords(text)
  const terms: string[] = []
  if (unit === 'word') {
    const joined = words.map((w) => w.join(''))
    for (let n = minN; n <= maxN; n++) {
      for (let i = 0; i + n <= joined.length; i++) terms.push(joined.slice(i, i + n).join(' '))
    }
    return terms
  }
  for (const word of words) {
    const padded = [' ', ...word, ' ']
    for (let n = minN; n <= maxN; n++) {
      for (let i = 0; i + n <= padded.length; i++) terms.push(padded.slice(i, i + n).join(''))
    }
  }
  return terms
}
