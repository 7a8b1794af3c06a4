// Jinja's filters (`value | name(args)`), with `tojson` as the reference
// renderer redefines it for chat templates: json.dumps with ensure_ascii off
// and its indent / separators / sort_keys options.
//
// String-valued filters live in jinja_filters.cc, collection filters in
// jinja_collection_filters.cc; each file contributes one table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// Applies the filter `name`; an unknown name is an error naming it.
Result<Value> ApplyFilter(const std::string& name, const Value& subject, const CallArgs& args);
bool HasFilter(std::string_view name);

using FilterFunction = Result<Value> (*)(const Value& subject, const CallArgs& args);
struct FilterEntry {
  std::string_view name;
  FilterFunction function;
};
const std::vector<FilterEntry>& StringFilters();
const std::vector<FilterEntry>& CollectionFilters();

// Follows a dotted path of keys/indices ("a.b.0"), as filters' `attribute=`
// arguments do.
Result<Value> GetAttributePath(const Value& object, const std::string& path);

}  // namespace edgereason::jinja
