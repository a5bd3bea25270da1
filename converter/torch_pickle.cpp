#include "converter/torch_pickle.h"

#include <array>
#include <bit>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "converter/byte_cursor.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// Globals a state dict may name. They are compared as names only: nothing is ever imported.
// The storage types only mark a storage's dtype.
constexpr std::array<std::string_view, 13> kAllowedGlobals = {"collections.OrderedDict",
                                                              "torch._utils._rebuild_tensor_v2",
                                                              "torch._utils._rebuild_parameter",
                                                              "torch.FloatStorage",
                                                              "torch.HalfStorage",
                                                              "torch.BFloat16Storage",
                                                              "torch.DoubleStorage",
                                                              "torch.LongStorage",
                                                              "torch.IntStorage",
                                                              "torch.ShortStorage",
                                                              "torch.CharStorage",
                                                              "torch.ByteStorage",
                                                              "torch.BoolStorage"};

// One value on the unpickler's stack. Objects live in the Unpickler's arena and refer to each
// other by pointer, so a hostile pickle that builds cycles through the memo leaks nothing.
struct Object {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };
  Kind kind = Kind::kNone;
  int64_t integer = 0;
  std::string text;                                  // string, or global "module.name"
  std::vector<Object*> items;                        // tuple, list
  std::vector<std::pair<Object*, Object*>> members;  // dict
  PickledTensor tensor;                              // storage (type, key, numel), tensor
};

using Kind = Object::Kind;

class Unpickler {
 public:
  Unpickler(std::span<const std::byte> pickle, std::string context)
      : cursor_(pickle, std::move(context)) {}

  // Runs to STOP and returns the root object.
  const Object& run() {
    while (true) {
      opcode_position_ = cursor_.position();
      const auto opcode = cursor_.read<uint8_t>("pickle opcode");
      if (opcode == '.') break;
      if (!step_structure(opcode) && !step_value(opcode) && !step_memo(opcode)) {
        fail("unsupported opcode 0x" + hex(opcode));
      }
    }
    if (stack_.size() != 1 || !marks_.empty()) fail("STOP with an unbalanced stack");
    return *stack_.back();
  }

 private:
  static std::string hex(uint8_t byte) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return {kDigits[byte >> 4], kDigits[byte & 0xF]};
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kInvalidFile,
                context() + ": pickle: " + what + " at byte " + std::to_string(opcode_position_));
  }
  const std::string& context() const { return cursor_.context(); }

  Object* make(Kind kind) {
    Object& object = arena_.emplace_back();
    object.kind = kind;
    return &object;
  }
  void push(Object* object) { stack_.push_back(object); }
  Object* top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
      fail("stack underflow");
    }
    return stack_.back();
  }
  Object* pop() {
    Object* object = top();
    stack_.pop_back();
    return object;
  }
  Object* pop(Kind kind, const char* what) {
    Object* object = pop();
    if (object->kind != kind) fail(std::string("expected ") + what);
    return object;
  }
  std::vector<Object*> pop_to_mark() {
    if (marks_.empty()) fail("missing MARK");
    std::vector<Object*> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()),
                               stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  void push_tuple(std::vector<Object*> items) {
    Object* tuple = make(Kind::kTuple);
    tuple->items = std::move(items);
    push(tuple);
  }
  void push_tuple_of(size_t count) {
    std::vector<Object*> items(count);
    for (size_t i = count; i-- > 0;) items[i] = pop();
    push_tuple(std::move(items));
  }
  void push_int(int64_t value) {
    Object* object = make(Kind::kInt);
    object->integer = value;
    push(object);
  }
  void push_string(std::string_view text) {
    Object* object = make(Kind::kString);
    object->text = text;
    push(object);
  }

  // MARK, containers, tuples, and the calls that build torch objects.
  bool step_structure(uint8_t opcode) {
    switch (opcode) {
      case 0x80:  // PROTO
        if (cursor_.read<uint8_t>("protocol") > 5) fail("pickle protocol newer than 5");
        return true;
      case 0x95:  // FRAME: a length hint only
        cursor_.read<uint64_t>("frame length");
        return true;
      case '(':
        marks_.push_back(stack_.size());
        return true;
      case '}':
        push(make(Kind::kDict));
        return true;
      case ']':
        push(make(Kind::kList));
        return true;
      case ')':
        push_tuple({});
        return true;
      case 't':
        push_tuple(pop_to_mark());
        return true;
      case 0x85:
      case 0x86:
      case 0x87:
        push_tuple_of(static_cast<size_t>(opcode - 0x84));
        return true;
      case 's': {
        Object* value = pop();
        Object* key = pop();
        set_items({key, value});
        return true;
      }
      case 'u':
        set_items(pop_to_mark());
        return true;
      case 'a':
        append({pop()});
        return true;
      case 'e':
        append(pop_to_mark());
        return true;
      case 'R':
        reduce();
        return true;
      case 'b':
        build();
        return true;
      case 'Q':
        persistent_id();
        return true;
      case 'c': {
        const std::string module(cursor_.read_line("GLOBAL module"));
        global(module, std::string(cursor_.read_line("GLOBAL name")));
        return true;
      }
      case 0x93: {  // STACK_GLOBAL
        const std::string name = pop(Kind::kString, "a global name")->text;
        global(pop(Kind::kString, "a module name")->text, name);
        return true;
      }
      default:
        return false;
    }
  }

  // Scalars and strings. Every length is checked against the bytes left by the cursor.
  bool step_value(uint8_t opcode) {
    switch (opcode) {
      case 'N':
        push(make(Kind::kNone));
        return true;
      case 0x88:
      case 0x89: {
        Object* object = make(Kind::kBool);
        object->integer = opcode == 0x88;
        push(object);
        return true;
      }
      case 'J':
        push_int(cursor_.read<int32_t>("BININT"));
        return true;
      case 'K':
        push_int(cursor_.read<uint8_t>("BININT1"));
        return true;
      case 'M':
        push_int(cursor_.read<uint16_t>("BININT2"));
        return true;
      case 0x8a:
        push_int(read_long1());
        return true;
      case 'G':  // BINFLOAT: a float never describes a tensor's layout; its value is unused
        cursor_.take(8, "BINFLOAT");
        push(make(Kind::kFloat));
        return true;
      case 'X':
        push_string(cursor_.read_text(cursor_.read<uint32_t>("string length"), "BINUNICODE"));
        return true;
      case 0x8c:
        push_string(cursor_.read_text(cursor_.read<uint8_t>("string length"), "SHORT_BINUNICODE"));
        return true;
      case 0x8d: {
        const auto length = cursor_.read<uint64_t>("string length");
        if (length > cursor_.remaining()) fail("BINUNICODE8 longer than the pickle");
        push_string(cursor_.read_text(static_cast<size_t>(length), "BINUNICODE8"));
        return true;
      }
      default:
        return false;
    }
  }

  bool step_memo(uint8_t opcode) {
    switch (opcode) {
      case 'h':
        memo_get(cursor_.read<uint8_t>("BINGET"));
        return true;
      case 'j':
        memo_get(cursor_.read<uint32_t>("LONG_BINGET"));
        return true;
      case 'q':
        memo_[cursor_.read<uint8_t>("BINPUT")] = top();
        return true;
      case 'r':
        memo_[cursor_.read<uint32_t>("LONG_BINPUT")] = top();
        return true;
      case 0x94:  // MEMOIZE
        memo_[memo_.size()] = top();
        return true;
      default:
        return false;
    }
  }

  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " is not set");
    push(it->second);
  }

  // LONG1: a little-endian two's complement integer of up to 8 bytes (larger ones never
  // describe a tensor).
  int64_t read_long1() {
    const auto length = cursor_.read<uint8_t>("LONG1 length");
    if (length > 8) fail("LONG1 integer wider than 64 bits");
    const auto bytes = cursor_.take(length, "LONG1");
    uint64_t value = 0;
    for (size_t i = length; i-- > 0;) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
    if (length > 0 && length < 8 && (static_cast<uint8_t>(bytes[length - 1]) & 0x80u)) {
      value |= ~uint64_t{0} << (8 * length);  // sign-extend
    }
    return std::bit_cast<int64_t>(value);
  }

  void set_items(const std::vector<Object*>& items) {
    if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
    Object* dict = pop(Kind::kDict, "a dict for SETITEM");
    for (size_t i = 0; i < items.size(); i += 2) dict->members.emplace_back(items[i], items[i + 1]);
    push(dict);
  }

  void append(const std::vector<Object*>& items) {
    Object* list = pop(Kind::kList, "a list for APPEND");
    list->items.insert(list->items.end(), items.begin(), items.end());
    push(list);
  }

  void global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    bool allowed = false;
    for (const auto allowed_name : kAllowedGlobals) allowed = allowed || full == allowed_name;
    if (!allowed) {
      throw Error(ErrorCode::kInvalidFile,
                  context() + ": the checkpoint's pickle asks for '" + full +
                      "'; qtx refuses to import '" + full +
                      "' (a state dict names only tensors, storages and OrderedDict)");
    }
    Object* object = make(Kind::kGlobal);
    object->text = full;
    push(object);
  }

  // ('storage', <StorageType>, key, location, numel): a storage held in the zip.
  void persistent_id() {
    const Object* id = pop(Kind::kTuple, "a persistent id tuple");
    const auto& f = id->items;
    if (f.size() != 5 || f[0]->kind != Kind::kString || f[0]->text != "storage" ||
        f[1]->kind != Kind::kGlobal || !f[1]->text.ends_with("Storage") ||
        f[2]->kind != Kind::kString || f[4]->kind != Kind::kInt || f[4]->integer < 0) {
      fail("persistent id is not ('storage', type, key, location, numel)");
    }
    Object* storage = make(Kind::kStorage);
    storage->tensor.storage_type = f[1]->text.substr(std::string_view("torch.").size());
    storage->tensor.storage_key = f[2]->text;
    storage->tensor.storage_numel = f[4]->integer;
    push(storage);
  }

  void reduce() {
    const Object* args = pop(Kind::kTuple, "an argument tuple for REDUCE");
    const Object* callable = pop(Kind::kGlobal, "a global to call in REDUCE");
    if (callable->text == "collections.OrderedDict" && args->items.empty()) {
      push(make(Kind::kDict));
    } else if (callable->text == "torch._utils._rebuild_tensor_v2") {
      push(rebuild_tensor(args->items));
    } else if (callable->text == "torch._utils._rebuild_parameter" && !args->items.empty() &&
               args->items[0]->kind == Kind::kTensor) {
      push(args->items[0]);
    } else {
      fail("unexpected call of " + callable->text);
    }
  }

  Shape int_tuple(const Object* tuple, const char* what) {
    if (tuple->kind != Kind::kTuple) fail(std::string(what) + " is not a tuple");
    Shape values;
    for (const Object* item : tuple->items) {
      if (item->kind != Kind::kInt) fail(std::string(what) + " holds a non-integer");
      values.push_back(item->integer);
    }
    return values;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, meta])
  Object* rebuild_tensor(const std::vector<Object*>& args) {
    if (args.size() < 4 || args[0]->kind != Kind::kStorage || args[1]->kind != Kind::kInt) {
      fail("_rebuild_tensor_v2 called without (storage, offset, size, stride)");
    }
    Object* tensor = make(Kind::kTensor);
    tensor->tensor = args[0]->tensor;
    tensor->tensor.offset = args[1]->integer;
    tensor->tensor.shape = int_tuple(args[2], "tensor size");
    tensor->tensor.stride = int_tuple(args[3], "tensor stride");
    return tensor;
  }

  // BUILD sets an object's state: a state dict's _metadata or a tensor's attributes, neither
  // of which describes weights.
  void build() {
    pop();
    const Kind kind = top()->kind;
    if (kind != Kind::kDict && kind != Kind::kTensor) fail("BUILD on an unexpected object");
  }

  ByteCursor cursor_;
  std::deque<Object> arena_;
  std::vector<Object*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Object*> memo_;
  size_t opcode_position_ = 0;
};

}  // namespace

std::vector<PickledTensor> read_torch_pickle(std::span<const std::byte> pickle,
                                             const std::string& context) {
  Unpickler unpickler(pickle, context);
  const Object& root = unpickler.run();
  if (root.kind != Kind::kDict) {
    throw Error(ErrorCode::kInvalidFile, context + ": the pickle is not a state dict");
  }
  std::vector<PickledTensor> tensors;
  for (const auto& [key, value] : root.members) {
    if (key->kind != Kind::kString) {
      throw Error(ErrorCode::kInvalidFile, context + ": a state dict key is not a string");
    }
    if (value->kind != Kind::kTensor) {
      throw Error(ErrorCode::kInvalidFile,
                  context + ": state dict entry '" + key->text + "' is not a tensor");
    }
    tensors.push_back(value->tensor);
    tensors.back().name = key->text;
  }
  return tensors;
}

}  // namespace qtx::convert
