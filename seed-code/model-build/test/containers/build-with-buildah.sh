#!/bin/sh
# Builds containers/<name>/Dockerfile with buildah against a base image this script assembles,
# with no registry: the base is this machine's Debian Python 3 (/usr/bin/python3.11 with pip,
# /bin/sh, /bin/rm and their libraries), standing in for the deep learning container's Python, and
# pip inside the build reads the local package index in PIP_INDEX_DIR (its simple/ and the files it
# links to; mounted read-only).
# buildah and runc come from Debian packages extracted under WORK (apt-get download + dpkg -x), so
# nothing is installed system-wide. Needs root, user and mount namespaces, and a Debian host.
#
# Usage: build-with-buildah.sh <containers/name folder> WORK PIP_INDEX_DIR
# Prints the built image's check line: "numpy <version>", the installed distribution of the
# requirements (its metadata: the assembled base lacks libraries numpy's extension loads).
set -eu
FOLDER=$1 WORK=$2 INDEX=$3
ROOT=$WORK/root
mkdir -p "$WORK" "$ROOT"
cd "$WORK"
if [ ! -x "$ROOT/usr/bin/buildah" ]; then
  apt-get download buildah runc golang-github-containers-common libdevmapper1.02.1 libgpgme11 >/dev/null 2>&1
  for deb in ./*.deb; do dpkg -x "$deb" "$ROOT"; done
fi
LIBS=$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu
POLICY=$ROOT/etc/containers/policy.json
printf 'unqualified-search-registries = []\n' > "$WORK/registries.conf"
buildah() {
  LD_LIBRARY_PATH=$LIBS CONTAINERS_REGISTRIES_CONF=$WORK/registries.conf \
    "$ROOT/usr/bin/buildah" --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs "$@"
}

# The base: the host's Python with pip, its shared libraries, a shell and rm.
BASE=$WORK/base
rm -rf "$BASE" && mkdir -p "$BASE/rootfs"
python3 - "$BASE/rootfs" <<'PY'
import glob, os, shutil, subprocess, sys
root = sys.argv[1]
def copy(p):
    dst = root + p
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.copytree(p, dst, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "test", "tests", "idlelib", "tkinter", "turtledemo"))
    else:
        shutil.copy2(p, dst, follow_symlinks=True)
binaries = ["/usr/bin/python3.11", "/bin/dash", "/bin/rm"]
for p in binaries + ["/usr/lib/python3.11", "/usr/lib/python3/dist-packages/pip", "/usr/lib/python3/dist-packages/setuptools", "/usr/lib/python3/dist-packages/pkg_resources", "/usr/lib/python3/dist-packages/_distutils_hack"]:
    if os.path.exists(p):
        copy(p)
# What manylinux wheels (numpy's) expect of the system besides libc.
for p in ["/lib/x86_64-linux-gnu/libgcc_s.so.1", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"]:
    if os.path.exists(p):
        copy(p)
for f in binaries + glob.glob("/usr/lib/python3.11/lib-dynload/*.so"):
    for word in subprocess.run(["ldd", f], capture_output=True, text=True).stdout.split():
        if word.startswith("/"):
            copy(word)
os.symlink("dash", root + "/bin/sh")
os.symlink("python3.11", root + "/usr/bin/python3")
# Debian marks its Python externally managed; a deep learning container's pip installs freely.
marker = root + "/usr/lib/python3.11/EXTERNALLY-MANAGED"
if os.path.exists(marker):
    os.remove(marker)
PY
printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin PIP_INDEX_URL=file://%s/simple PIP_DISABLE_PIP_VERSION_CHECK=1\n' "$INDEX" > "$BASE/Dockerfile"
buildah bud --signature-policy "$POLICY" --quiet -t localhost/base:test "$BASE" >/dev/null

# The image of the folder, FROM that base, exactly as its Dockerfile says.
buildah bud --signature-policy "$POLICY" --quiet --runtime "$ROOT/usr/sbin/runc" --network host \
  -v "$INDEX:$INDEX:ro" --build-arg BASE_IMAGE=localhost/base:test -t localhost/image:test "$FOLDER" >/dev/null
CONTAINER=$(buildah from --signature-policy "$POLICY" localhost/image:test)
buildah run --runtime "$ROOT/usr/sbin/runc" --network host "$CONTAINER" -- python3 -c "import importlib.metadata as m; print('numpy', m.version('numpy'))"
buildah rm "$CONTAINER" >/dev/null
