#!/usr/bin/env bash
# The long run of the session fuzzer (tests/Milter.Tests/Session/SessionFuzzTests.cs): mutated real conversations from
# tests/Milter.Tests/Captures against a random handler, on every core, for SECONDS (default 3600). The test suite runs
# 1,500 of them. A failure prints a CsCheck seed; rerun it alone with CsCheck_Seed=SEED tests/fuzz.sh.
# Usage: tests/fuzz.sh [SECONDS=3600]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Milter.Tests -c Release > /dev/null
MILTER_FUZZ_SECONDS="${1:-3600}" exec tests/Milter.Tests/bin/Release/net10.0/Milter.Tests -method '*SessionFuzzTests.Mutated_real*'
