#!/usr/bin/env bash
# CocoRle against cocoapi's own C code (common/maskApi.c, what pycocotools' mask module compiles), not part of CI:
# 2,000 random masks (1-70 px a side) encoded by CocoRle.encode + toCompressedString and by cocoapi's rleEncode +
# rleToString must give identical strings, and rleFrString + rleDecode must give every mask back.
#   COCOAPI=<a checkout of github.com/cocodataset/cocoapi> moco-downstream/src/test/cocoapi/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
: "${COCOAPI:?set COCOAPI to a checkout of cocodataset/cocoapi}"
jar="$(ls "$root"/moco-bench/target/moco-bench-*-all.jar | head -n 1)"
work="$(mktemp -d)"
cd "$work"
gcc -O1 -I"$COCOAPI/common" -o encode "$here/encode.c" "$COCOAPI/common/maskApi.c" -lm
gcc -O1 -I"$COCOAPI/common" -o decode "$here/decode.c" "$COCOAPI/common/maskApi.c" -lm
java -cp "$jar" "$here/RandomMasks.java"          # writes masks.txt (h w row-major bits) and java.txt (CocoRle's strings)
./encode < masks.txt > cocoapi.txt
cmp java.txt cocoapi.txt
paste -d' ' <(cut -d' ' -f1,2 masks.txt) java.txt | ./decode > decoded.txt
cmp masks.txt decoded.txt
echo "CocoRle equals cocoapi's maskApi.c on $(wc -l < masks.txt) masks: the same strings, every mask decoded back"
