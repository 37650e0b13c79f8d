"""The release build's profile-guided optimization: cargo's rustc wrapper (scripts/rustc-pgo)
adds the committed profile to optimized compiles only, and the pinned toolchain's rustc reads
that profile (rustc only warns about a profile it cannot read and builds without it, so a
toolchain bump with an old profile would lose the optimization silently: it fails here)."""

import os
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WRAPPER = os.path.join(ROOT, "scripts", "rustc-pgo")
PROFILE = os.path.join(ROOT, "pgo", "proscenium.profdata")
USE = f"-Cprofile-use={PROFILE}"


def wrapped(*args, env=None):
    """What the wrapper hands to the compiler it wraps (`echo` stands in for rustc)."""
    base = {k: v for k, v in os.environ.items() if k != "NO_PGO"}
    out = subprocess.run([WRAPPER, "echo", *args], capture_output=True, text=True, check=True,
                         env={**base, **(env or {})})
    return out.stdout.split()


def test_cargo_uses_the_wrapper():
    with open(os.path.join(ROOT, ".cargo", "config.toml")) as f:
        assert 'rustc-wrapper = "scripts/rustc-pgo"' in f.read()


def test_optimized_compiles_get_the_profile_and_nothing_else_does():
    release = ["--crate-name", "x", "-C", "opt-level=3", "src/lib.rs"]
    assert wrapped(*release) == release + [USE]
    # Debug builds, build scripts and proc macros (opt-level 0 in release too), clippy.
    assert USE not in wrapped("--crate-name", "x", "-C", "opt-level=0", "src/lib.rs")
    assert USE not in wrapped("--crate-name", "x", "src/lib.rs")
    # A build that records a profile, or one that names its own.
    assert USE not in wrapped(*release, "-Cprofile-generate=/tmp/p")
    assert wrapped(*release, "-Cprofile-use=/other") == release + ["-Cprofile-use=/other"]
    # Switched off.
    assert USE not in wrapped(*release, env={"NO_PGO": "1"})
    # Queries cargo makes through the wrapper pass as they are.
    assert wrapped("-vV") == ["-vV"]


def test_the_wrapper_passes_every_variable_on_to_the_compiler():
    # cargo names some with a hyphen (CARGO_BIN_EXE_proscenium-loadgen for that crate's tests);
    # Debian's sh drops those, which broke `env!` in the tests built through the wrapper.
    env = {**os.environ, "CARGO_BIN_EXE_proscenium-loadgen": "/bin/true"}
    out = subprocess.run([WRAPPER, "env"], capture_output=True, text=True, check=True, env=env)
    assert "CARGO_BIN_EXE_proscenium-loadgen=/bin/true" in out.stdout.splitlines()


def test_the_pinned_rustc_reads_the_committed_profile():
    rustc = shutil.which("rustc")
    if rustc is None:
        pytest.skip("no rustc on PATH")
    with open(PROFILE, "rb") as f:
        assert f.read(8) == b"\xfflprofi\x81", "not an indexed LLVM profile"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "lib.rs")
        with open(src, "w") as f:
            f.write("pub fn add(a: u64, b: u64) -> u64 { a.wrapping_add(b) }\n")
        # Run from the repository, so the rust-toolchain.toml's toolchain answers.
        done = subprocess.run([WRAPPER, rustc, "--crate-type", "lib", "--crate-name", "pgo_check",
                               "-C", "opt-level=3", "--emit", "obj", "-o",
                               os.path.join(tmp, "lib.o"), src],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "profile" not in done.stderr.lower(), done.stderr
