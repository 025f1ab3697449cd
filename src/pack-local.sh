#!/usr/bin/env bash
# Packs every Milter package into a local folder feed, until they are on nuget.org:
#   src/pack-local.sh [FEED]        (default: ~/.local/share/milter-feed)
# The version comes from git (MinVer: the latest vX.Y.Z tag, or 0.0.0-alpha.0.N). A repack of the same version would
# be served stale from the NuGet cache, so this drops those versions from it. Prints the commands that use the feed.
set -euo pipefail
cd "$(dirname "$0")/.."
feed=${1:-$HOME/.local/share/milter-feed}
mkdir -p "$feed"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for project in src/Milter src/Milter.Hosting src/Milter.Mime src/Milter.Authentication src/Milter.Testing src/Milter.Cli src/Milter.Templates; do
  dotnet pack "$project" -c Release -o "$out" --nologo -v quiet
done

cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
for package in "$out"/*.nupkg; do
  name=$(basename "$package" .nupkg)
  version=$(echo "$name" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$')
  id=${name%."$version"}
  rm -rf "$cache/${id,,}/$version"
done
cp "$out"/*.nupkg "$out"/*.snupkg "$feed"/

echo "Packed $version into $feed. To use it:"
echo "  dotnet new install $feed/Milter.Templates.$version.nupkg"
echo "  dotnet add package Milter --version $version --source $feed"
echo "  dotnet tool install --global milter-test --version $version --add-source $feed"
