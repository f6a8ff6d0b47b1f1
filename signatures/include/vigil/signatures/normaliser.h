#pragma once
// Turns hostile, disguised text into the canonical form rules are written against, keeping a map
// back to the original bytes so every hit points at what the pupil actually typed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::signatures {

struct NormalisedText {
  // Lowercase words separated by single spaces, with one space before the first word and after the
  // last, so every word is delimited by spaces on both sides.
  std::string text;
  // For each byte of `text`, the original byte range [origin_begin, origin_end) it came from.
  std::vector<uint32_t> origin_begin;
  std::vector<uint32_t> origin_end;
  // A "1" inside a word was read as a letter. It may stand for "i" (k1ll) or "l" (ki11); the
  // matcher then also scans the reading with OneReadsAs::kL.
  bool ambiguous_one = false;
};

enum class OneReadsAs { kI, kL };

NormalisedText normalise(std::string_view original);
// The same, reusing `out`'s buffers: the scan path calls this with a per-thread instance.
void normalise_into(std::string_view original, NormalisedText& out, OneReadsAs one = OneReadsAs::kI);
// The general path that every input may take; pure-ASCII input normally takes a faster single
// pass with the same result. Exposed so tests can hold the two to each other.
void normalise_general(std::string_view original, NormalisedText& out, OneReadsAs one = OneReadsAs::kI);

// The hot path's first step: the normalised text alone, with no origin map, for the plain ASCII
// text most units are (no leetspeak, spaced letters or non-ASCII). Returns false, leaving `text`
// unspecified, when the unit needs normalise_into; when it returns true, `text` is exactly what
// normalise_into would produce. Most units match nothing, and for them the origin map is never
// needed.
// `path` narrows the instructions used (AVX-512 where the CPU has it, else SSSE3, else a byte
// loop), so tests and the fuzzer can hold each implementation to the general path on any machine.
enum class QuickPath { kBest, kSsse3, kPortable };
bool normalise_text_quick(std::string_view original, std::string& text, QuickPath path = QuickPath::kBest);

}  // namespace vigil::signatures
