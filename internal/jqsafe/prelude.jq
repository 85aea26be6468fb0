# Prepended to every expression (only the definitions it reaches). jq's
# lexical scope makes these shadow gojq's builtins of the same name and
# arity; the _hp_*0 aliases, defined before the shadows, still reach
# gojq's own. Each shadow checks with _hp_check (or a _hp_ function in Go)
# and then calls gojq's builtin, so results and error texts stay gojq's.
# Where an argument is a closure in gojq, the shadow binds it in gojq's
# order (the last argument varies slowest), so that several outputs come
# in the same order.

def _hp_modify0(p; f): _modify(p; f);
def _hp_assign0(p; $x): _assign(p; $x);
def _hp_setpath0($p; $v): setpath($p; $v);
def _hp_delpaths0($ps): delpaths($ps);
def _hp_tojson0: tojson;
def _hp_tostring0: tostring;
def _hp_tohtml0: _tohtml;
def _hp_touri0: _touri;
def _hp_tourid0: _tourid;
def _hp_tocsv0: _tocsv;
def _hp_totsv0: _totsv;
def _hp_tosh0: _tosh;
def _hp_tobase640: _tobase64;
def _hp_tobase64d0: _tobase64d;
def _hp_format0($f): format($f);
def _hp_add0: add;
def _hp_join0($x): join($x);
def _hp_flatten0: flatten;
def _hp_flatten0($d): flatten($d);
def _hp_transpose0: transpose;
def _hp_explode0: explode;
def _hp_split0($s): split($s);
def _hp_tonumber0: tonumber;
def _hp_fromjson0: fromjson;
def _hp_sort0: sort;
def _hp_unique0: unique;
def _hp_min0: min;
def _hp_max0: max;
def _hp_sort_by0($k): _sort_by($k);
def _hp_group_by0($k): _group_by($k);
def _hp_unique_by0($k): _unique_by($k);
def _hp_min_by0($k): _min_by($k);
def _hp_max_by0($k): _max_by($k);
def _hp_bsearch0($x): bsearch($x);

# Operators: the expression's own are rewritten into these calls; updates
# (+= ...) reach them by name.
def _add(a; b): b as $r | a as $l | _hp_check("+"; $l; $r) | $l + $r;
def _subtract(a; b): b as $r | a as $l | _hp_minus($l; $r) // ($l - $r);
def _multiply(a; b): b as $r | a as $l | _hp_check("*"; $l; $r) | $l * $r;
def _divide(a; b): b as $r | a as $l | _hp_check("/"; $l; $r) | $l / $r;
def _modulo(a; b): b as $r | a as $l | $l % $r;
def _equal(a; b): b as $r | a as $l | _hp_check("=="; $l; $r) | $l == $r;
def _notequal(a; b): b as $r | a as $l | _hp_check("!="; $l; $r) | $l != $r;
def _less(a; b): b as $r | a as $l | _hp_check("<"; $l; $r) | $l < $r;
def _greater(a; b): b as $r | a as $l | _hp_check(">"; $l; $r) | $l > $r;
def _lesseq(a; b): b as $r | a as $l | _hp_check("<="; $l; $r) | $l <= $r;
def _greatereq(a; b): b as $r | a as $l | _hp_check(">="; $l; $r) | $l >= $r;

# Paths: an index far past an array's end allocates the whole array.
def _hp_paths(p; $name): reduce path(p) as $q (.; _hp_check("path"; $q; $name));
def _modify(p; f): _hp_paths(p; "|=") | _hp_modify0(p; f);
def _assign(p; $x): _hp_paths(p; "=") | _hp_assign0(p; $x);
def setpath(p; v): v as $v | p as $p | _hp_check("path"; $p; "setpath") | _hp_setpath0($p; $v);
def delpaths(ps): ps as $ps | _hp_check("paths"; $ps) | _hp_delpaths0($ps);
def del(f): delpaths([path(f)]);
def pick(f): . as $v |
  reduce path(f) as $p (null; setpath($p; $v | getpath($p)));
def fromstream(f):
  foreach f as $pv (
    null;
    if .e then null end |
    $pv as [$p, $v] |
    if $pv | length == 2 then
      setpath(["v"] + $p; $v) |
      setpath(["e"]; $p | length == 0)
    else
      setpath(["e"]; $p | length == 1)
    end;
    if .e then .v else empty end
  );

# Encodings walk the whole value: a value shared many times is encoded
# many times.
def tojson: _hp_check("tojson") | _hp_tojson0;
def tostring: _hp_check("tostring") | _hp_tostring0;
def _tohtml: _hp_check("@html") | _hp_tohtml0;
def _touri: _hp_check("@uri") | _hp_touri0;
def _tourid: _hp_check("@urid") | _hp_tourid0;
def _tocsv: _hp_check("@csv") | _hp_tocsv0;
def _totsv: _hp_check("@tsv") | _hp_totsv0;
def _tosh: _hp_check("@sh") | _hp_tosh0;
def _tobase64: _hp_check("@base64") | _hp_tobase640;
def _tobase64d: _hp_check("@base64d") | _hp_tobase64d0;
def format(f): f as $f | _hp_check("format"; $f) | _hp_format0($f);
def fromjson: _hp_fromjson0 | _hp_numbers;
def tonumber: _hp_tonumber | _hp_tonumber0;

# Builders whose result can be far larger than their input.
def add: _hp_check("add") | _hp_add0;
def add(f): [f] | add;
def join(x): x as $x | _hp_check("join"; $x) | _hp_join0($x);
def flatten: _hp_check("flatten"; -1) | _hp_flatten0;
def flatten(d): d as $d | _hp_check("flatten"; $d) | _hp_flatten0($d);
def transpose: _hp_check("transpose") | _hp_transpose0;
def explode: _hp_check("explode") | _hp_explode0;
def split(s): s as $s | _hp_check("split"; $s) | _hp_split0($s);

# Sorting and searching: work grows faster than the input.
def sort: _hp_check("sort") | _hp_sort0;
def unique: _hp_check("unique") | _hp_unique0;
def min: _hp_check("min") | _hp_min0;
def max: _hp_check("max") | _hp_max0;
def _sort_by(k): k as $k | _hp_check("sort_by"; $k) | _hp_sort_by0($k);
def _group_by(k): k as $k | _hp_check("group_by"; $k) | _hp_group_by0($k);
def _unique_by(k): k as $k | _hp_check("unique_by"; $k) | _hp_unique_by0($k);
def _min_by(k): k as $k | _hp_check("min_by"; $k) | _hp_min_by0($k);
def _max_by(k): k as $k | _hp_check("max_by"; $k) | _hp_max_by0($k);
def min_by(f): _min_by(map([f]));
def max_by(f): _max_by(map([f]));
def sort_by(f): _sort_by(map([f]));
def group_by(f): _group_by(map([f]));
def unique_by(f): _unique_by(map([f]));
def bsearch(x): x as $x | _hp_check("bsearch"; $x) | _hp_bsearch0($x);
def contains(x): x as $x | _hp_contains("contains"; $x);
def inside(x): x as $x | _hp_contains("inside"; $x);
def indices(x): x as $x | _hp_index("indices"; $x);
def index(x): x as $x | _hp_index("index"; $x);
def rindex(x): x as $x | _hp_index("rindex"; $x);
def INDEX(stream; idx_expr):
  reduce stream as $row ({}; .[$row | idx_expr | tostring] = $row);
def INDEX(idx_expr): INDEX(.[]; idx_expr);
def IN(s): any(_equal(s; .); .);
def IN(src; s): any(_equal(src; s); .);

# Regular expressions, on Go's regexp, one match at a time. A definition
# sees only those before it: the two-argument forms come first.
def _match(re; flags; t): t as $t | flags as $flags | re as $re | _hp_match($re; $flags; $t);
def match($re; $flags): _hp_matches($re; $flags);
def match($re): if $re | type == "array" then match($re[0]; $re[1]) else match($re; null) end;
def test($re; $flags): _hp_test($re; $flags);
def test($re): if $re | type == "array" then test($re[0]; $re[1]) else test($re; null) end;
def capture($re; $flags): match($re; $flags) | .captures | _captures;
def capture($re): if $re | type == "array" then capture($re[0]; $re[1]) else capture($re; null) end;
def scan($re; $flags):
  match($re; $flags + "g") |
  if .captures == [] then .string else [.captures[].string] end;
def scan($re): scan($re; null);
def splits($re; $flags): _hp_splits($re; $flags + "g");
def splits($re): splits($re; null);
def split($re; $flags): [splits($re; $flags)];
def sub($re; str; $flags): . as $in |
  [_hp_subparts($re; $flags) | [.[0], .[1], [.[2] | str]]] | _hp_subjoin($in);
def sub($re; str): sub($re; str; null);
def gsub($re; str; $flags): sub($re; str; $flags + "g");
def gsub($re; str): sub($re; str; "g");
