#!/usr/bin/env bash
# The query engine's JMH benchmarks (src/test/java/org/walden/bench/EngineBenchmark.java): planning
# a three-table join, a hash join of two 100,000-row tables, a point look-up, a window over 100,000
# rows, in process over an in-memory transaction manager.
#
#   bench/jmh-engine.sh [JMH options]      e.g. bench/jmh-engine.sh -f 1 -wi 2 -i 3 planThreeTableJoin
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
./mvnw -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/jmh-classpath.txt >&2
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/jmh-classpath.txt)" org.openjdk.jmh.Main \
  "${@:-EngineBenchmark}"
