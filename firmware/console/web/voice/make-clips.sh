#!/bin/sh
# Re-makes the console's spoken prompts (请通过, 请复测, ...) from text, offline,
# with Debian's espeak-ng (Mandarin voice "cmn") and sox:
#
#   apt-get install espeak-ng sox
#   sh firmware/console/web/voice/make-clips.sh
#
# Each clip is mono, 11,025 Hz, 16-bit PCM WAV: small enough to embed in the
# unit's program, clear enough through a phone or a kiosk speaker. The same
# espeak-ng and sox versions make the same bytes; the console does not need
# either at run time. Licence: see README.md beside this script.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# file name (the decision, as on the wire) and what is said
while read -r name text; do
	espeak-ng -v cmn -s 150 -w "$tmp" "$text"
	# -D: no dither, so the output is the same on every run; trim the
	# silence espeak-ng leaves at each end, so the cue follows the tones.
	sox -D "$tmp" -r 11025 -c 1 -b 16 "$name.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
	echo "$name.wav: $text"
done <<'LIST'
allow 请通过
recheck 请复测
register 请登记
deny 禁止通行
refer 请到发热门诊
wait 请等候
persuade_return 请返回
LIST
