# Shared set-up of the GPU check scripts (sourced, not run).
#
#   check_setup NAME OUTDIR BINARY...
#
# makes OUTDIR (absolute in $out), starts $out/summary.txt, defines note
# (print and append to the summary) and elapsed (seconds since set-up), and
# stops with a note when a BINARY is missing (they come from make gpu-bins).
check_setup() {
  local name=$1 b
  out=$2
  shift 2
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  summary=$out/summary.txt
  : >"$summary"
  t0=$(date +%s)
  for b in "$@"; do
    if [ ! -x "$b" ]; then
      note "$name: $b is missing: run 'make gpu-bins' on a machine with the CUDA toolkit first"
      exit 1
    fi
  done
}
note() { echo "$*" | tee -a "$summary"; }
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }
