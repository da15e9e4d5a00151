# Sourced by benches: score a model package on the 80 R9.4.1 E. coli reads.
# score_package PACKAGE [extra dipperd basecall options...] → "mean_identity heldout_mean_identity mapped_reads"
# (tab-separated; nan when no read maps): `dipperd basecall` (ONNX Runtime unless the options say otherwise, beam 5)
# then minimap2 through ../shared/tools/identity.sh. The held-out mean leaves out the reads named in
# $work/calibration.ids (the ones compression calibrated on). Needs: $work, $reads, $reference, $threads, $shared,
# $dipperd.
. bench/lib/minimap2.sh
score_package() {
  local package=$1; shift
  $dipperd basecall "$reads" --model "$package" -o "$work/calls.fastq" --threads "$threads" "$@" 2>"$work/basecall.log"
  bash "$shared/tools/identity.sh" "$reference" "$work/calls.fastq" "$threads" 2>/dev/null > "$work/identity.tsv" || true
  # FILENAME, not NR == FNR: with no calibration read (an empty list) NR == FNR would hold for every scored read too.
  awk -F'\t' 'FILENAME == ARGV[1] { calibrated[$1] = 1; next }
    { n++; s += $4; if (!($1 in calibrated)) { h++; hs += $4 } }
    END { printf "%s\t%s\t%d\n", n ? sprintf("%.4f", s / n) : "nan", h ? sprintf("%.4f", hs / h) : "nan", n }' \
    "$work/calibration.ids" "$work/identity.tsv"
}
