#!/bin/sh
# wrap.sh BUILD OUT LOGS NATIVE VALGRIND [OPTION...]: for make
# check-valgrind, make OUT/bin and OUT/tests, directories of art's commands
# and test tools that run the real ones of BUILD/bin and BUILD/tests under
# VALGRIND with the OPTIONs, each process logging to its own file in LOGS;
# the commands and tools named in NATIVE (space-separated) run as they are.
#
# art runs art-<verb> from beside its own executable (/proc/self/exe,
# which valgrind reports as the real binary) before PATH: so OUT/bin/art
# runs a copy of art kept in OUT/art, beside links to the wrappers, and a
# verb that art runs is under valgrind too.  OUT/share leads to
# BUILD/share, where art help looks (../share beside art).
set -eu

[ $# -ge 5 ] || { echo "usage: wrap.sh BUILD OUT LOGS NATIVE VALGRIND [OPTION...]" >&2; exit 2; }
build=$(cd "$1" && pwd) out=$2 logs=$3 native=$4
vg=$(command -v "$5") || { echo "wrap.sh: no $5 (Debian: apt-get install valgrind)" >&2; exit 1; }
# Debian's valgrind is a script that exports LD_LIBRARY_PATH and more to
# the command and all it runs; valgrind.bin beside it is valgrind itself
if [ -x "$vg.bin" ]; then vg=$vg.bin; fi
shift 5
mkdir -p "$out" "$logs"
out=$(cd "$out" && pwd) logs=$(cd "$logs" && pwd)
case "$build$out$logs$vg$*" in
*"'"*) echo "wrap.sh: a path or option with a single quote cannot be quoted here" >&2; exit 2 ;;
esac
opts=
for o; do opts="$opts '$o'"; done

# wrapper REAL FILE: FILE runs REAL under valgrind.  A pid alone comes
# back in a long run, so each log's name starts with a fresh id (read by
# the shell: no extra process).  Valgrind opens its log on the lowest free
# descriptor and leaves it there: with stdin, stdout or stderr closed, the
# command would find it open, on the log (the tests of a lost write to
# stdout); such a run is native, and noted in LOGS/native.
wrapper() {
	cat > "$2" <<-SH
	#!/bin/sh
	# ${1##*/} under valgrind, for make check-valgrind (tests/valgrind/wrap.sh)
	if ! [ -e /proc/self/fd/0 ] || ! [ -e /proc/self/fd/1 ] || ! [ -e /proc/self/fd/2 ]; then
		echo "${1##*/}" >> '$logs/native' 2>&-
		exec '$1' "\$@"
	fi
	read -r id < /proc/sys/kernel/random/uuid
	exec '$vg'$opts --log-file='$logs/'"\$id"'.%p.log' '$1' "\$@"
	SH
	chmod 755 "$2"
}

rm -rf "${out:?}/bin" "$out/art" "$out/tests" "$out/share"
mkdir "$out/bin" "$out/art" "$out/tests"
ln -s "$build/share" "$out/share"
for real in "$build"/bin/art "$build"/bin/art-*; do
	name=${real##*/}
	case " $native " in
	*" $name "*)
		# as it is; a link still finds its own directory
		ln -s "$real" "$out/bin/$name" ;;
	*)
		if [ "$name" = art ]; then
			cp "$real" "$out/art/art"
			wrapper "$out/art/art" "$out/bin/art"
			continue
		fi
		wrapper "$real" "$out/bin/$name" ;;
	esac
	ln -s "../bin/$name" "$out/art/$name"
done
for real in "$build"/tests/*; do
	if [ ! -f "$real" ] || [ ! -x "$real" ]; then continue; fi
	name=${real##*/}
	case " $native " in
	*" $name "*) ln -s "$real" "$out/tests/$name" ;;
	*) wrapper "$real" "$out/tests/$name" ;;
	esac
done
exit 0
