/**
 * Constrained decoding (issue 18): grammars that the generated text must follow, so that output
 * parses every time.
 *
 * <h2>The pieces</h2>
 * <ul>
 *   <li>{@link dev.llama3j.grammar.Grammar} ({@code GbnfParser}): llama.cpp's GBNF syntax, compiled to flat
 *       rule/element arrays; repetitions and groups become generated rules; left recursion, undefined
 *       rules and a missing {@code root} are {@link dev.llama3j.error.GrammarException}s with line and
 *       column.</li>
 *   <li>{@link dev.llama3j.grammar.JsonSchemaToGbnf} (with {@code RegexToGbnf} for {@code pattern} and
 *       {@code NumberRanges} for bounds): JSON Schema to GBNF as llama.cpp does it; keywords it cannot
 *       honour are errors naming the keyword and its path, never dropped.</li>
 *   <li>{@code GrammarAutomaton}: the pushdown matcher of llama.cpp (sets of stacks of element positions),
 *       run on UTF-8 bytes with the partial character in its state, memoised into a lazily built
 *       automaton: each distinct set of stacks is a state id, each {@code (state, byte)} transition is
 *       computed once. {@link dev.llama3j.grammar.GrammarMatcher} is its code-point/byte API.</li>
 *   <li>{@link dev.llama3j.grammar.TokenTrie}: the vocabulary's token bytes as a trie in depth-first
 *       arrays, built once per tokenizer (special tokens left out).</li>
 *   <li>{@link dev.llama3j.grammar.GrammarConstraint}: one generation's view: {@code allowed(long[])} walks
 *       the trie with the automaton (a rejected prefix skips its subtree; no allocation once the states
 *       met are known), {@code accept(id)} moves on, end ids are allowed exactly when the text is
 *       complete.</li>
 * </ul>
 *
 * <h2>How it plugs into sampling</h2>
 * A request with a grammar ({@code GenerationRequest.withGrammar}, {@code ChatRequest.withGrammar}; the
 * server's {@code response_format}, {@code grammar} and {@code json_schema}) gets, in the engine, a
 * {@code GrammarConstraint} over the model's shared {@code TokenTrie} and its end ids. Each step the
 * sampler first draws as usual and checks the pick with {@code isAllowed} (cheap: one token's bytes);
 * only if it is rejected does it compute {@code allowed(mask)}, set the logits of masked-out ids to
 * -infinity and draw again. After the draw, {@code accept(id)}; when {@code mustEnd()} the sequence
 * ends after that token.
 */
package dev.llama3j.grammar;
