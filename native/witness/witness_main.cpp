// poa's main for a circom circuit's C++ witness generator (circom --c), replacing circom's main.cpp.
//
//   witness <circuit.dat> <input.json> <output.wtns>
//
// Why our own main rather than circom's: circom's finds the .dat beside argv[0] (we keep binaries in
// a shared cache under hashed names), and it reports a bad input by assert() (SIGABRT, message on
// stdout or stderr in varying words) or an uncaught exception. This one names what is wrong on one
// stderr line and exits 2 for a bad input, 1 for anything else, so the caller can raise an error
// naming the signal. The input is what poa's TypeScript writes (prover/proof/nativeWitness/
// witnessInput.ts): one JSON object, signal name -> decimal string or nested arrays of them,
// already reduced into the field. Numbers and 0x/0o/0b strings are read as circom's main reads
// them, but a negative or fractional JSON number is refused (circom's went through a double).
//
// The .wtns is written exactly as circom's main (and snarkjs's wtns.calculate) writes it: "wtns",
// version 2, 2 sections; section 1 = n8, the prime, the witness count; section 2 = the values in
// normal (not Montgomery) form, little-endian. An assertion the circuit fails still aborts inside
// the generated code, after it printed "Failed assert in template/function T line N. Followed
// trace of components: main...", which the caller reads from stdout.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <nlohmann/json.hpp>

#include "calcwit.hpp"
#include "circom.hpp"

using json = nlohmann::json;

// A bad input: the message names the signal; exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

static std::string read_all(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// circom's loadCircuit, reading the .dat into memory rather than mmap-ing it, with the size checked
// so that a truncated .dat is an error rather than a read past its end.
static Circom_Circuit *load_circuit(const std::string &path) {
  std::string data = read_all(path);
  const u8 *bdata = (const u8 *)data.data();
  size_t size = data.size();
  size_t at = 0;
  auto take = [&](void *to, size_t n) {
    if (at + n > size) throw std::runtime_error(path + ": truncated .dat (" + std::to_string(size) + " bytes)");
    memcpy(to, bdata + at, n);
    at += n;
  };
  Circom_Circuit *circuit = new Circom_Circuit;
  circuit->InputHashMap = new HashSignalInfo[get_size_of_input_hashmap()];
  take(circuit->InputHashMap, get_size_of_input_hashmap() * sizeof(HashSignalInfo));
  circuit->witness2SignalList = new u64[get_size_of_witness()];
  take(circuit->witness2SignalList, get_size_of_witness() * sizeof(u64));
  circuit->circuitConstants = new FrElement[get_size_of_constants()];
  if (get_size_of_constants() > 0) take(circuit->circuitConstants, get_size_of_constants() * sizeof(FrElement));

  std::map<u32, IOFieldDefPair> io;
  IOFieldDefPair *bus = nullptr;
  if (get_size_of_io_map() > 0) {
    std::vector<u32> index(get_size_of_io_map());
    take(index.data(), index.size() * sizeof(u32));
    if ((size - at) % sizeof(u32) != 0) throw std::runtime_error(path + ": malformed io map");
    std::vector<u32> words((size - at) / sizeof(u32));
    take(words.data(), words.size() * sizeof(u32));
    size_t w = 0;
    auto word = [&]() -> u32 {
      if (w >= words.size()) throw std::runtime_error(path + ": truncated io map");
      return words[w++];
    };
    auto read_pair = [&](u32 slots) {
      IOFieldDefPair p;
      p.len = word();
      p.defs = (IOFieldDef *)calloc(slots > p.len ? slots : p.len, sizeof(IOFieldDef));
      for (u32 j = 0; j < p.len; j++) {
        p.defs[j].offset = word();
        u32 len = word();
        p.defs[j].len = len;
        p.defs[j].lengths = new u32[len];
        for (u32 k = 0; k < len; k++) p.defs[j].lengths[k] = word();
        p.defs[j].size = word();
        p.defs[j].busId = word();
      }
      return p;
    };
    for (int i = 0; i < get_size_of_io_map(); i++) io[index[i]] = read_pair(0);
    bus = (IOFieldDefPair *)calloc(get_size_of_bus_field_map() + 1, sizeof(IOFieldDefPair));
    // circom's main allocates 10 definitions per bus entry whatever its length: keep that room.
    for (int i = 0; i < get_size_of_bus_field_map(); i++) bus[i] = read_pair(10);
  }
  circuit->templateInsId2IOSignalInfo = std::move(io);
  circuit->busInsId2FieldInfo = bus;
  return circuit;
}

// The input table's entry for a signal name, or null: the table is open-addressed by fnv1a hash.
static const HashSignalInfo *find_input(Circom_Circuit *circuit, u64 h) {
  u64 n = get_size_of_input_hashmap();
  for (u64 i = 0, pos = h % n; i < n; i++, pos = (pos + 1) % n) {
    const HashSignalInfo &e = circuit->InputHashMap[pos];
    if (e.hash == h) return &e;
    if (e.hash == 0 && e.signalid == 0) return nullptr;
  }
  return nullptr;
}

static bool valid_digits(const std::string &s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    if (d >= base) return false;
  }
  return true;
}

// A JSON leaf as a field element: circom's rules (decimal, 0x/0o/0b strings; integers), named on error.
static FrElement element_of(const std::string &name, const json &val) {
  std::string s;
  int base = 10;
  if (val.is_string()) {
    std::string t = val.get<std::string>();
    std::string prefix = t.substr(0, 2);
    if (prefix == "0x" || prefix == "0X") base = 16, s = t.substr(2);
    else if (prefix == "0o" || prefix == "0O") base = 8, s = t.substr(2);
    else if (prefix == "0b" || prefix == "0B") base = 2, s = t.substr(2);
    else s = t;
    if (!valid_digits(s, base)) throw InputError("signal " + name + ": \"" + t + "\" is not a number");
  } else if (val.is_number_unsigned()) {
    s = std::to_string(val.get<unsigned long long>());
  } else if (val.is_number_integer() || val.is_number_float()) {
    throw InputError("signal " + name + ": " + val.dump() + " is not a non-negative integer (write field elements as decimal strings)");
  } else {
    throw InputError("signal " + name + ": " + val.dump() + " is not a number");
  }
  FrElement v;
  Fr_str2element(&v, s.c_str(), base);
  return v;
}

static void flatten(const std::string &name, const json &val, std::vector<FrElement> &out) {
  if (!val.is_array()) return out.push_back(element_of(name, val));
  for (const json &x : val) flatten(name, x, out);
}

// circom's qualify_input: nested objects (buses) become dotted names, arrays of objects indexed names.
static void qualify(const std::string &prefix, const json &in, std::vector<std::pair<std::string, json>> &out) {
  if (in.is_object()) {
    for (auto it = in.begin(); it != in.end(); ++it) qualify(prefix.empty() ? it.key() : prefix + "." + it.key(), it.value(), out);
  } else if (in.is_array() && !in.empty() && in[0].is_object()) {
    for (size_t i = 0; i < in.size(); i++) qualify(prefix + "[" + std::to_string(i) + "]", in[i], out);
  } else {
    out.emplace_back(prefix, in);
  }
}

static void load_input(Circom_Circuit *circuit, Circom_CalcWit *ctx, const std::string &path) {
  json input;
  try {
    input = json::parse(read_all(path));
  } catch (json::parse_error &e) {
    throw InputError(path + ": not JSON (" + e.what() + ")");
  }
  if (!input.is_object()) throw InputError(path + ": expected a JSON object of input signals");
  std::vector<std::pair<std::string, json>> signals;
  qualify("", input, signals);
  // Check every signal before setting any: the circuit runs as soon as the last input is set.
  std::vector<std::pair<u64, std::vector<FrElement>>> values;
  for (auto &[name, val] : signals) {
    u64 h = fnv1a(name);
    const HashSignalInfo *info = find_input(circuit, h);
    if (!info) throw InputError("signal " + name + " is not an input of the circuit");
    std::vector<FrElement> v;
    flatten(name, val, v);
    if (v.size() != info->signalsize)
      throw InputError("signal " + name + ": expected " + std::to_string(info->signalsize) + " values, got " + std::to_string(v.size()));
    values.emplace_back(h, std::move(v));
  }
  uint missing = ctx->getRemaingInputsToBeSet();
  for (auto &[h, v] : values) missing -= v.size();
  if (missing != 0)
    throw InputError("only " + std::to_string(get_main_input_signal_no() - missing) + " of " + std::to_string(get_main_input_signal_no()) + " input values are set");
  if (get_main_input_signal_no() == 0) ctx->tryRunCircuit();
  for (auto &[h, v] : values)
    for (uint i = 0; i < v.size(); i++) ctx->setInputSignal(h, i, v[i]);
}

static void write_wtns(Circom_CalcWit *ctx, const std::string &path) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot create");
  u32 n8 = Fr_N64 * 8, version = 2, sections = 2, id1 = 1, id2 = 2;
  u32 count = (u32)get_size_of_witness();
  u64 len1 = 8 + n8, len2 = (u64)n8 * count;
  bool ok = fwrite("wtns", 4, 1, f) && fwrite(&version, 4, 1, f) && fwrite(&sections, 4, 1, f)
    && fwrite(&id1, 4, 1, f) && fwrite(&len1, 8, 1, f) && fwrite(&n8, 4, 1, f) && fwrite(Fr_q.longVal, n8, 1, f) && fwrite(&count, 4, 1, f)
    && fwrite(&id2, 4, 1, f) && fwrite(&len2, 8, 1, f);
  FrElement v;
  for (u32 i = 0; ok && i < count; i++) {
    ctx->getWitness(i, &v);
    Fr_toLongNormal(&v, &v);
    ok = fwrite(v.longVal, n8, 1, f) == 1;
  }
  if (fclose(f) != 0 || !ok) throw std::runtime_error(path + ": write failed");
}

int main(int argc, char *argv[]) {
  if (argc != 4) {
    fprintf(stderr, "witness: usage: %s <circuit.dat> <input.json> <output.wtns>\n", argv[0]);
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  try {
    Circom_Circuit *circuit = load_circuit(argv[1]);
    Circom_CalcWit *ctx = new Circom_CalcWit(circuit);
    load_input(circuit, ctx, argv[2]);
    std::cout.flush();
    write_wtns(ctx, argv[3]);
  } catch (InputError &e) {
    fprintf(stderr, "witness: input: %s\n", e.what());
    return 2;
  } catch (std::exception &e) {
    fprintf(stderr, "witness: %s\n", e.what());
    return 1;
  }
  // What the caller reports (and the bench compares): time in this process and its peak memory.
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fprintf(stderr, "witness: done %.1f ms, peak %ld KB\n", ms, usage.ru_maxrss);
  return 0;
}
