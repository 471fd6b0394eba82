# --checkpoint-every, Ctrl-C and --resume: a run interrupted (twice) and
# resumed saves the same model, byte for byte, as the run left alone.
awk 'BEGIN { srand(5); print "a,b,c,label"
  for (i = 0; i < 300; i++) { x = rand(); y = rand(); z = rand(); printf "%.4f,%.4f,%.4f,%d\n", x, y, z, (x + y > 1) ? 1 : 0 } }' > "$tmp/resume.csv"
for opt in adam sgd; do
  for batch in "--batch-size 16" ""; do
    run=(--data "$tmp/resume.csv" --target label --epochs 12 --optimizer "$opt" --checkpoint-every 2)
    # shellcheck disable=SC2206
    run+=($batch)
    "$bin" train "${run[@]}" --save "$tmp/whole.json" > /dev/null
    set +e
    BACKPROP_INTERRUPT_AFTER_EPOCH=5 "$bin" train "${run[@]}" --save "$tmp/part.json" > "$tmp/part.out"
    first=$?
    BACKPROP_INTERRUPT_AFTER_EPOCH=8 "$bin" train --resume "$tmp/part.json" > "$tmp/resumed.out"
    second=$?
    "$bin" train --resume "$tmp/part.json" > "$tmp/resumed2.out"
    third=$?
    set -e
    check "$opt $batch: an interrupted run exits 130" test "$first" -eq 130 -a "$second" -eq 130
    check "$opt $batch: it says where it saved and how to go on" grep -q "continue with: backprop train --resume $tmp/part.json" "$tmp/part.out"
    check "$opt $batch: a resumed run says from where" grep -q "resuming $tmp/part.json after epoch 5 of 12" "$tmp/resumed.out"
    check "$opt $batch: the resumed run finishes" test "$third" -eq 0
    check "$opt $batch: interrupted twice and resumed = left alone, byte for byte" cmp -s "$tmp/whole.json" "$tmp/part.json"
  done
done

# A real Ctrl-C (SIGINT) during a longer run: saved at the end of the epoch
# under way, and resuming gives the run left alone.
long=(--data "$tmp/resume.csv" --target label --epochs 400 --batch-size 4 --layers 16,16)
"$bin" train "${long[@]}" --save "$tmp/long-whole.json" > /dev/null
set +e
"$bin" train "${long[@]}" --save "$tmp/long-part.json" > "$tmp/long-part.out" &
pid=$!
for _ in $(seq 1 200); do grep -q "epoch 1/400" "$tmp/long-part.out" 2> /dev/null && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
status=$?
set -e
check "Ctrl-C exits 130" test "$status" -eq 130
check "Ctrl-C saves the last completed epoch" grep -q "interrupted after epoch [0-9]* of 400; saved" "$tmp/long-part.out"
"$bin" train --resume "$tmp/long-part.json" > /dev/null
check "after Ctrl-C, resuming gives the run left alone" cmp -s "$tmp/long-whole.json" "$tmp/long-part.json"

# Resuming keeps the run's settings: changing one is a usage mistake.
run_status "$bin" train --resume "$tmp/part.json" --seed 3 > /dev/null 2> "$tmp/resume-seed.err"
check "--resume with --seed exits 2" test "$status" -eq 2
check "--resume with --seed says why" grep -q "a resumed run keeps the settings it started with" "$tmp/resume-seed.err"
run_status "$bin" train --data "$tmp/resume.csv" --target label --checkpoint-every 2 > /dev/null 2> "$tmp/ckpt-nosave.err"
check "--checkpoint-every without --save exits 2" test "$status" -eq 2
check "--checkpoint-every without --save says so" grep -q "needs --save" "$tmp/ckpt-nosave.err"

# Full-batch training that would not fit in memory is refused before it
# starts, with the estimate and the fix (30,000 rows through 512-wide layers
# need tens of GB in one batch); mini-batches are accepted.
awk 'BEGIN { srand(1); print "a,b,label"; for (i = 0; i < 30000; i++) printf "%.3f,%.3f,%d\n", rand(), rand(), i % 2 }' > "$tmp/wide.csv"
run_status "$bin" train --data "$tmp/wide.csv" --target label --layers 512,512 > "$tmp/wide.out" 2> "$tmp/wide.err"
check "a full batch too big for memory exits 1" test "$status" -eq 1
check "a full batch too big for memory suggests mini-batches" grep -q "would need about .* GB, more than half of this machine's .*--batch-size" "$tmp/wide.err"
check "a full batch too big for memory trains nothing" test "$(grep -c epoch "$tmp/wide.out")" -eq 0
