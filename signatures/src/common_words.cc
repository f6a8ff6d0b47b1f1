#include "common_words.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/signatures/normaliser.h"

namespace vigil::signatures {
namespace {

// Function words, everyday verbs, nouns and adjectives, numbers and chat words that turn up in
// nearly any English a pupil writes. Listed as written; normalised once (so "will" is "wil").
constexpr const char* kCommonWords[] = {
    // pronouns, determiners, conjunctions, prepositions
    "i", "im", "ive", "id", "ill", "me", "my", "mine", "myself", "you", "your", "yours", "yourself", "youre", "u", "ur", "ya", "he",
    "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "we", "us", "our", "ours", "ourselves", "they",
    "them", "their", "theirs", "themselves", "theyre", "a", "an", "the", "this", "that", "these", "those", "thats", "what", "whats",
    "which", "who", "whom", "whose", "when", "where", "why", "how", "and", "or", "but", "if", "so", "as", "than", "then", "because",
    "cos", "coz", "while", "until", "though", "although", "at", "by", "for", "from", "in", "into", "of", "off", "on", "onto", "out",
    "over", "to", "up", "down", "with", "without", "about", "after", "before", "again", "against", "between", "through", "under",
    "around", "near", "here", "there", "all", "any", "both", "each", "few", "more", "most", "other", "others", "some", "such", "no",
    "not", "nor", "only", "own", "same", "too", "very", "just", "also", "still", "even", "never", "always", "really", "maybe",
    "much", "many", "every", "something", "nothing", "anything", "everything", "someone", "anyone", "everyone", "nobody",
    "somebody", "everybody",
    // auxiliaries and everyday verbs
    "am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "doing", "done", "have", "has", "had", "having",
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "dont", "doesnt", "didnt", "cant", "wont", "isnt",
    "arent", "wasnt", "werent", "havent", "hasnt", "shouldnt", "wouldnt", "couldnt", "get", "gets", "got", "getting", "go", "goes",
    "going", "gone", "went", "come", "comes", "came", "coming", "make", "makes", "made", "making", "take", "takes", "took", "taking",
    "know", "knows", "knew", "think", "thought", "see", "saw", "seen", "look", "looking", "want", "wants", "wanted", "wanna",
    "gonna", "gotta", "give", "gave", "say", "says", "said", "tell", "told", "feel", "feels", "felt", "need", "needs", "try",
    "tried", "use", "used", "using", "find", "found", "keep", "kept", "let", "lets", "put", "mean", "means", "call", "called",
    "work", "works", "working", "like", "likes", "liked", "love", "ask", "asked", "seem", "leave", "left", "show", "play", "playing",
    "run", "read", "write", "talk", "talking", "help", "start", "stop", "turn", "move", "live", "bring", "happen", "happened",
    "believe", "hold", "stand", "sit", "lose", "pay", "meet", "include", "continue", "set", "learn", "change", "watch", "follow",
    "speak", "spend", "grow", "open", "walk", "win", "offer", "remember", "consider", "appear", "buy", "wait", "serve", "send",
    "expect", "build", "stay", "fall", "reach", "remain", "suggest", "raise", "pass", "sell", "require", "report", "decide",
    "pull", "provide", "allow", "add",
    // everyday nouns
    "time", "times", "day", "days", "today", "tomorrow", "tonight", "yesterday", "week", "month", "year", "years", "people",
    "person", "way", "thing", "things", "man", "woman", "child", "children", "world", "life", "hand", "part", "place", "case",
    "group", "company", "system", "program", "question", "government", "number", "night", "point", "home", "water", "room",
    "mother", "mum", "mom", "dad", "father", "area", "money", "story", "fact", "lot", "right", "rights", "study", "book", "eye",
    "job", "word", "words", "business", "issue", "side", "kind", "head", "house", "service", "friend", "friends", "power", "hour",
    "game", "line", "end", "member", "law", "car", "city", "community", "name", "team", "minute", "idea", "kid", "kids", "body",
    "information", "back", "parent", "parents", "face", "level", "office", "door", "health", "art", "war", "history", "party",
    "result", "morning", "reason", "research", "girl", "boy", "guy", "guys", "moment", "air", "teacher", "force", "education",
    "school", "class", "lesson", "homework", "phone", "food", "music", "video", "picture", "photo", "message", "chat", "online",
    "website", "page", "link", "section", "software", "license", "code", "terms", "copy", "source", "version", "data", "free",
    // adjectives, adverbs, numbers, chat
    "good", "new", "first", "last", "long", "great", "little", "old", "big", "high", "different", "small", "large", "next", "early",
    "young", "important", "public", "bad", "able", "real", "best", "better", "sure", "full", "special", "easy", "clear", "late",
    "hard", "whole", "true", "fine", "nice", "well", "now", "yes", "yeah", "yep", "ok", "okay", "lol", "omg", "pls", "please",
    "thanks", "thank", "hi", "hello", "hey", "one", "two", "three", "four", "five", "ten", "hundred", "based",
    "following", "within", "however", "another", "already", "enough", "else", "ever", "away", "together", "once"};

}  // namespace

bool is_common_word(std::string_view normalised_word) {
  // Asked for every word of every pattern while compiling: an open-addressing hash table in two
  // allocations (made while the pack's parse garbage is all around, a node per word would pin
  // pages all over the heap).
  struct Words {
    std::string bytes;
    // Where each word lies in `bytes` (offsets, so the table stays valid however it is moved);
    // power-of-two size, at most half full; length 0 marks an unused slot.
    struct Slot {
      uint32_t at = 0;
      uint32_t length = 0;
    };
    std::vector<Slot> slots;
    std::string_view word(Slot slot) const { return std::string_view(bytes).substr(slot.at, slot.length); }
    size_t slot_of(std::string_view word) const { return std::hash<std::string_view>{}(word) & (slots.size() - 1); }
  };
  static const Words kWords = [] {
    Words words;
    std::vector<Words::Slot> spans;
    for (const char* w : kCommonWords) {
      const std::string n = normalise(w).text;
      spans.push_back({static_cast<uint32_t>(words.bytes.size()), static_cast<uint32_t>(n.size() - 2)});
      words.bytes += n.substr(1, n.size() - 2);
    }
    size_t size = 1;
    while (size < 2 * spans.size()) size *= 2;
    words.slots.resize(size);
    for (const Words::Slot span : spans) {
      size_t s = words.slot_of(words.word(span));
      while (words.slots[s].length != 0 && words.word(words.slots[s]) != words.word(span)) s = (s + 1) & (size - 1);
      words.slots[s] = span;
    }
    return words;
  }();
  if (normalised_word.empty()) return false;
  for (size_t s = kWords.slot_of(normalised_word);; s = (s + 1) & (kWords.slots.size() - 1)) {
    if (kWords.slots[s].length == 0) return false;
    if (kWords.word(kWords.slots[s]) == normalised_word) return true;
  }
}

}  // namespace vigil::signatures
