#!/usr/bin/env bash
# Until the packages are on nuget.org: packs every Milter package into a local folder feed and sets this machine up to
# use it, so the commands of README.md and docs/getting-started.md work as written:
#   src/pack-local.sh [FEED]        (default: ~/.local/share/milter-feed)
# 1. packs Milter, Milter.Hosting, Milter.State, Milter.Mime, Milter.Authentication, Milter.Testing, milter-test and
#    Milter.Templates into FEED; the version comes from git (MinVer: the latest vX.Y.Z tag, or 0.0.0-alpha.0.N);
# 2. drops that version from the NuGet cache (a repack of the same version would otherwise be served stale);
# 3. adds FEED to your NuGet sources as "milter-local" (your user NuGet.Config), so `dotnet new milter` projects,
#    and `dotnet add package Milter.State` in them, restore from it;
# 4. installs the template (dotnet new milter) and milter-test (a global tool) of that version, replacing older ones.
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$(realpath -m "${1:-$HOME/.local/share/milter-feed}")
mkdir -p "$feed"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "packing src/Milter"
dotnet pack src/Milter -c Release -o "$out" --nologo -v quiet
version=$(basename "$out"/Milter.*.nupkg .nupkg)
version=${version#Milter.}
# The same version for every package, even if a commit lands while this runs (MinVer counts commits).
for project in src/Milter.Hosting src/Milter.State src/Milter.Mime src/Milter.Authentication src/Milter.Testing src/Milter.Cli src/Milter.Templates; do
  echo "packing $project"
  dotnet pack "$project" -c Release -o "$out" --nologo -v quiet -p:MinVerVersionOverride="$version"
done
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
for package in "$out"/*.nupkg; do
  id=$(basename "$package" ".$version.nupkg")
  rm -rf "$cache/${id,,}/$version"
done
cp "$out"/*.nupkg "$out"/*.snupkg "$feed"/

# From /, so the source goes to the user's NuGet.Config, not to a nuget.config of the folder this is run from.
(
  cd /
  if dotnet nuget list source --format short | grep -qx "E $feed"; then
    :
  elif dotnet nuget list source | grep -q "milter-local \["; then
    dotnet nuget update source milter-local --source "$feed" >/dev/null
  else
    dotnet nuget add source "$feed" --name milter-local >/dev/null
  fi
)

dotnet new install "$feed/Milter.Templates.$version.nupkg" --force >/dev/null
dotnet tool uninstall --global milter-test >/dev/null 2>&1 || true
dotnet tool install --global milter-test --version "$version" --add-source "$feed" >/dev/null

echo "Packed $version into $feed, added it to your NuGet sources as milter-local, and installed from it:"
echo "  dotnet new milter       (the template Milter.Templates $version)"
echo "  milter-test             (the global tool; ~/.dotnet/tools must be on your PATH)"
echo "In a project: dotnet add package Milter --version $version (and Milter.Hosting, Milter.State, ...)."
echo "To stop using the feed: dotnet nuget remove source milter-local"
