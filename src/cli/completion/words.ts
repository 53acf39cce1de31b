// Splits a command line into words the way a POSIX shell does for the cases people type: whitespace
// separates words, '...' is literal, "..." keeps spaces and understands \" \\ \$ \`, and a backslash
// outside quotes escapes the next character. Used to run lines in `kvkey shell` and to find the word
// being completed.

export interface SplitLine {
  words: string[];
  /** The line ends inside a word (no whitespace after the last one). */
  endsInWord: boolean;
  /** The quote left open at the end of the line, if any. */
  openQuote: "'" | '"' | undefined;
  /** The last word as typed (quotes and backslashes included) when the line ends inside it, else "". */
  lastRaw: string;
  /** Where each word was typed: [start, end) offsets into the line, quotes included (shell history redaction rewrites them). */
  spans: Array<{ start: number; end: number }>;
}

export function splitLine(line: string): SplitLine {
  const words: string[] = [];
  const spans: Array<{ start: number; end: number }> = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  let rawStart = 0;
  const begin = (i: number) => {
    if (!inWord) {
      inWord = true;
      rawStart = i;
    }
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
      continue;
    }
    if (ch === "\\") {
      begin(i);
      if (i + 1 < line.length) word += line[++i];
      continue;
    }
    if (ch === "'" || ch === '"') {
      begin(i);
      quote = ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) {
        words.push(word);
        spans.push({ start: rawStart, end: i });
        word = "";
        inWord = false;
      }
      continue;
    }
    begin(i);
    word += ch;
  }
  if (inWord) {
    words.push(word);
    spans.push({ start: rawStart, end: line.length });
  }
  return { words, endsInWord: inWord, openQuote: quote, lastRaw: inWord ? line.slice(rawStart) : "", spans };
}

/** The words of a command line to run; an unterminated quote is an error. */
export function commandWords(line: string): string[] {
  const split = splitLine(line);
  if (split.openQuote) throw new Error(`unterminated ${split.openQuote === "'" ? "single" : "double"} quote`);
  return split.words;
}

/** The words before the cursor and the (unquoted) word being completed, "" after a space. */
export function completionWords(line: string): { words: string[]; current: string; currentRaw: string } {
  const split = splitLine(line);
  if (!split.endsInWord) return { words: split.words, current: "", currentRaw: "" };
  const words = split.words.slice(0, -1);
  return { words, current: split.words[split.words.length - 1] ?? "", currentRaw: split.lastRaw };
}
