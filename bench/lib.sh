# Shared by the bench scripts: `measure LABEL CMD…` runs CMD under GNU time
# (output in $WORK/LABEL.out) and prints its wall time and peak RSS.
measure() {
  local label="$1"; shift
  /usr/bin/time -v "$@" > "$WORK/$label.out" 2> "$WORK/$label.time"
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$WORK/$label.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$WORK/$label.time" | awk '{print $NF}')
  printf "%-12s wall %-9s peak RSS %6.0f MiB\n" "$label" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
}
