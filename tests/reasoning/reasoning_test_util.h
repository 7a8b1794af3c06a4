// Shared pieces of the reasoning tests: a tiny random model with a byte-level
// tokenizer and ChatML template, a random adapter for it, and heads whose
// weights the tests choose.
#pragma once

#include <memory>
#include <string>

#include "reasoning/reasoner.h"

namespace edgereason::test {

// Directory of the tiny model (made once per process, then reused).
const std::string& TinyModelDir();
// Directory of a random LoRA adapter for the tiny model.
const std::string& TinyAdapterDir();

struct TinyParts {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const LoraAdapter> adapter;
};
TinyParts LoadTiny();

// A switcher head with seeded random weights for `hidden` and `threshold`.
std::shared_ptr<const SwitcherHead> RandomSwitcher(int64_t hidden, double threshold, uint64_t seed);
// A verifier head with seeded random weights.
std::shared_ptr<const VerifierHead> RandomVerifier(int64_t hidden, uint64_t seed);

}  // namespace edgereason::test
