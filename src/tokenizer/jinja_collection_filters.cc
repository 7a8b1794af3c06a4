// Filters over sequences and mappings: length, first, last, join, list, items,
// map, select/reject(attr), unique, sort, reverse, dictsort, sum, min, max,
// batch, attr.
#include <algorithm>

#include "tokenizer/jinja_filters.h"
#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_is_tests.h"
#include "tokenizer/jinja_operators.h"
#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {

Result<Value> GetAttributePath(const Value& object, const std::string& path) {
  Value current = object;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    ER_ASSIGN_OR_RETURN(
        current,
        GetItem(current, numeric ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part)));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

namespace {

Result<BoundArgs> Bind(std::string_view filter, const CallArgs& args,
                       const std::vector<std::string_view>& params) {
  return BindArgs(filter, args, params);
}

// Jinja compares strings case-insensitively unless case_sensitive is set.
Value SortKey(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value(ToLower(v.as_string())) : v;
}

Result<Value> KeyOf(const Value& item, const std::optional<Value>& attribute, bool case_sensitive) {
  Value v = item;
  if (attribute && !attribute->is_none()) {
    ER_ASSIGN_OR_RETURN(v, GetAttributePath(item, PyStr(*attribute)));
  }
  return SortKey(v, case_sensitive);
}

Result<std::vector<Value>> SortedItems(std::vector<Value> items,
                                       const std::optional<Value>& attribute, bool case_sensitive,
                                       bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) {
    ER_ASSIGN_OR_RETURN(Value key, KeyOf(item, attribute, case_sensitive));
    keyed.emplace_back(std::move(key), std::move(item));
  }
  Status failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    std::optional<bool> less = reverse ? ValueLess(b.first, a.first) : ValueLess(a.first, b.first);
    if (!less && failure.ok()) {
      failure = InvalidArgument("cannot sort: '<' not supported between '" + TypeName(a.first) +
                                "' and '" + TypeName(b.first) + "'");
    }
    return less.value_or(false);
  });
  ER_RETURN_IF_ERROR(failure);
  std::vector<Value> out;
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return out;
}

Result<Value> FirstOrLast(const Value& v, bool first) {
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  if (items.empty())
    return Value::MakeUndefined(std::string("No ") + (first ? "first" : "last") +
                                " item, sequence was empty.");
  return first ? items.front() : items.back();
}

Result<Value> Join(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("join", args, {"d", "attribute"}));
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  std::string separator = a[0] ? PyStr(*a[0]) : "";
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    Value item = items[i];
    if (a[1] && !a[1]->is_none()) {
      ER_ASSIGN_OR_RETURN(item, GetAttributePath(item, PyStr(*a[1])));
    }
    if (i > 0) out += separator;
    out += PyStr(item);
    if (out.size() > kMaxValueBytes) return OutOfRange("join: result is too large");
  }
  return Value(std::move(out));
}

Result<Value> Items(const Value& v, const CallArgs&) {
  if (v.is_undefined()) return Value::MakeList({});
  if (!v.is_dict())
    return InvalidArgument("items: can only get item pairs from a mapping, not " + TypeName(v));
  std::vector<Value> pairs;
  for (const auto& [k, val] : v.as_dict().entries) pairs.push_back(Value::MakeList({k, val}, true));
  return Value::MakeList(std::move(pairs));
}

Result<Value> Map(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  std::vector<Value> out;
  if (const Value* attribute = args.Keyword("attribute")) {
    const Value* fallback = args.Keyword("default");
    for (const Value& item : items) {
      ER_ASSIGN_OR_RETURN(Value got, GetAttributePath(item, PyStr(*attribute)));
      out.push_back(got.is_undefined() && fallback != nullptr ? *fallback : got);
    }
    return Value::MakeList(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return InvalidArgument("map needs a filter name or attribute=");
  }
  CallArgs rest{{args.positional.begin() + 1, args.positional.end()}, args.keyword};
  for (const Value& item : items) {
    ER_ASSIGN_OR_RETURN(Value mapped, ApplyFilter(args.positional[0].as_string(), item, rest));
    out.push_back(std::move(mapped));
  }
  return Value::MakeList(std::move(out));
}

// select / reject / selectattr / rejectattr.
Result<Value> Select(const Value& v, const CallArgs& args, bool by_attribute, bool keep_matches) {
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (args.positional.empty())
      return InvalidArgument("selectattr/rejectattr need an attribute name");
    attribute = PyStr(args.positional[next++]);
  }
  std::string test;
  if (next < args.positional.size()) test = PyStr(args.positional[next++]);
  CallArgs test_args{{args.positional.begin() + static_cast<long>(next), args.positional.end()},
                     args.keyword};
  std::vector<Value> out;
  for (const Value& item : items) {
    Value subject = item;
    if (by_attribute) {
      ER_ASSIGN_OR_RETURN(subject, GetAttributePath(item, attribute));
    }
    bool passed = subject.Truthy();
    if (!test.empty()) {
      ER_ASSIGN_OR_RETURN(passed, ApplyTest(test, subject, test_args));
    }
    if (passed == keep_matches) out.push_back(item);
  }
  return Value::MakeList(std::move(out));
}

Result<Value> Unique(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("unique", args, {"case_sensitive", "attribute"}));
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  bool case_sensitive = a[0] && a[0]->Truthy();
  std::vector<Value> seen;
  std::vector<Value> out;
  for (const Value& item : items) {
    ER_ASSIGN_OR_RETURN(Value key, KeyOf(item, a[1], case_sensitive));
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return ValuesEqual(s, key); }))
      continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::MakeList(std::move(out));
}

Result<Value> Sort(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("sort", args, {"reverse", "case_sensitive", "attribute"}));
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  ER_ASSIGN_OR_RETURN(
      items, SortedItems(std::move(items), a[2], a[1] && a[1]->Truthy(), a[0] && a[0]->Truthy()));
  return Value::MakeList(std::move(items));
}

Result<Value> Reverse(const Value& v, const CallArgs&) {
  if (v.is_string()) {
    std::vector<char32_t> cps = DecodeUtf8(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(EncodeUtf8(cps));
  }
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  std::reverse(items.begin(), items.end());
  return Value::MakeList(std::move(items));
}

Result<Value> Dictsort(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("dictsort", args, {"case_sensitive", "by", "reverse"}));
  ER_ASSIGN_OR_RETURN(Value pairs, Items(v, {}));
  std::string by = a[1] ? PyStr(*a[1]) : "key";
  if (by != "key" && by != "value")
    return InvalidArgument("dictsort: 'by' must be 'key' or 'value'");
  ER_ASSIGN_OR_RETURN(std::vector<Value> sorted,
                      SortedItems(pairs.as_list().items, Value(by == "key" ? "0" : "1"),
                                  a[0] && a[0]->Truthy(), a[2] && a[2]->Truthy()));
  return Value::MakeList(std::move(sorted));
}

Result<Value> Sum(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("sum", args, {"attribute", "start"}));
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  Value total = a[1].value_or(Value(0));
  for (const Value& item : items) {
    Value term = item;
    if (a[0] && !a[0]->is_none()) {
      ER_ASSIGN_OR_RETURN(term, GetAttributePath(item, PyStr(*a[0])));
    }
    ER_ASSIGN_OR_RETURN(total, ApplyBinary("+", total, term));
  }
  return total;
}

Result<Value> MinMax(const Value& v, const CallArgs& args, bool want_max) {
  ER_ASSIGN_OR_RETURN(BoundArgs a,
                      Bind(want_max ? "max" : "min", args, {"case_sensitive", "attribute"}));
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  if (items.empty()) return Value::MakeUndefined("No aggregated item, sequence was empty.");
  bool case_sensitive = a[0] && a[0]->Truthy();
  size_t best = 0;
  ER_ASSIGN_OR_RETURN(Value best_key, KeyOf(items[0], a[1], case_sensitive));
  for (size_t i = 1; i < items.size(); ++i) {
    ER_ASSIGN_OR_RETURN(Value key, KeyOf(items[i], a[1], case_sensitive));
    std::optional<bool> better = want_max ? ValueLess(best_key, key) : ValueLess(key, best_key);
    if (!better)
      return InvalidArgument("min/max: values of type " + TypeName(key) + " and " +
                             TypeName(best_key) + " do not compare");
    if (*better) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}

Result<Value> Batch(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("batch", args, {"linecount", "fill_with"}));
  if (!a[0] || !a[0]->is_integral() || a[0]->as_int() <= 0)
    return InvalidArgument("batch: linecount must be a positive int");
  ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(v));
  auto size = static_cast<size_t>(a[0]->as_int());
  std::vector<Value> batches;
  for (size_t i = 0; i < items.size(); i += size) {
    std::vector<Value> batch(items.begin() + static_cast<long>(i),
                             items.begin() + static_cast<long>(std::min(items.size(), i + size)));
    if (batch.size() < size && a[1] && !a[1]->is_none()) batch.resize(size, *a[1]);
    batches.push_back(Value::MakeList(std::move(batch)));
  }
  return Value::MakeList(std::move(batches));
}

}  // namespace

const std::vector<FilterEntry>& CollectionFilters() {
  static const std::vector<FilterEntry> kFilters = {
      {"length",
       [](const Value& v, const CallArgs&) -> Result<Value> {
         ER_ASSIGN_OR_RETURN(int64_t n, Length(v));
         return Value(n);
       }},
      {"count",
       [](const Value& v, const CallArgs&) -> Result<Value> {
         ER_ASSIGN_OR_RETURN(int64_t n, Length(v));
         return Value(n);
       }},
      {"first", [](const Value& v, const CallArgs&) { return FirstOrLast(v, true); }},
      {"last", [](const Value& v, const CallArgs&) { return FirstOrLast(v, false); }},
      {"join", Join},
      {"list",
       [](const Value& v, const CallArgs&) -> Result<Value> {
         ER_ASSIGN_OR_RETURN(auto items, Iterate(v));
         return Value::MakeList(std::move(items));
       }},
      {"items", Items},
      {"map", Map},
      {"select", [](const Value& v, const CallArgs& a) { return Select(v, a, false, true); }},
      {"reject", [](const Value& v, const CallArgs& a) { return Select(v, a, false, false); }},
      {"selectattr", [](const Value& v, const CallArgs& a) { return Select(v, a, true, true); }},
      {"rejectattr", [](const Value& v, const CallArgs& a) { return Select(v, a, true, false); }},
      {"unique", Unique},
      {"sort", Sort},
      {"reverse", Reverse},
      {"dictsort", Dictsort},
      {"sum", Sum},
      {"min", [](const Value& v, const CallArgs& a) { return MinMax(v, a, false); }},
      {"max", [](const Value& v, const CallArgs& a) { return MinMax(v, a, true); }},
      {"batch", Batch},
      {"attr",
       [](const Value& v, const CallArgs& a) -> Result<Value> {
         if (a.positional.size() != 1) return InvalidArgument("attr needs one attribute name");
         return GetAttribute(v, PyStr(a.positional[0]));
       }},
  };
  return kFilters;
}

}  // namespace edgereason::jinja
