#!/usr/bin/env bash
# Checks both Lambda packages as far as this machine allows (no GraalVM, no container runtime):
#
# 1. The JVM package: target/lambda/function.zip (./mvnw package -Dlambda, which build-lambda.sh
#    runs in the package phase) holds the application and its libraries, the catalog and the state
#    machines, and nothing of the local runtime: neither its libraries nor its classes, its config
#    source or its engine's migrations. (LambdaPackageIT has run it by then.)
# 2. Native readiness: a native build (-Dlambda=native) runs every Quarkus native build step up to the call of
#    native-image, with a stand-in native-image (packaging/fake-native-image) that answers the
#    version query, records the arguments it is given and fails. What that build leaves is checked:
#    the native-image source jar with its reflection configuration, and the arguments. A change
#    that breaks a native build step fails here.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-packages: $*" >&2; exit 1; }

# ---- 1. the JVM function.zip ----------------------------------------------------------------
zip=target/lambda/function.zip
[ -f "$zip" ] || fail "$zip is missing (./mvnw package -Dlambda)"
entries=$(unzip -Z1 "$zip")
for needed in functions/catalog.json functions/state-machines/place-order.asl.json \
    io/sagaline/orders/PlaceOrderFunction.class io/sagaline/platform/database/PrepareDatabaseFunction.class amazon-root-cas.pem \
    db/migration/V1__customers.sql; do
  grep -qx "$needed" <<<"$entries" || fail "$zip lacks $needed"
done
grep -q '^lib/.*quarkus-amazon-lambda' <<<"$entries" || fail "$zip lacks the Lambda runtime"
if grep -E '^lib/.*(elasticmq|embedded-postgres|embedded-redis|pekko|jsonata|json-path)' <<<"$entries"; then
  fail "$zip carries a library of the local runtime (above)"
fi
if grep -E '^(io/sagaline/local/.|META-INF/services/io.smallrye.config.ConfigSourceFactory$|db/engine/.)' <<<"$entries"; then
  fail "$zip carries the local runtime (above)"
fi
size=$(stat -c %s "$zip")
echo "check-packages: $zip ok ($((size / 1024 / 1024)) MB, $(wc -l <<<"$entries") entries)"

# ---- 2. native readiness ---------------------------------------------------------------------
out=target/native-readiness
rm -rf "$out"
mkdir -p "$out/graalvm/bin"
cp packaging/fake-native-image "$out/graalvm/bin/native-image"
chmod +x "$out/graalvm/bin/native-image"
set +e
GRAALVM_HOME="$PWD/$out/graalvm" NATIVE_IMAGE_ARGS_OUT="$PWD/$out/native-image.args" \
  ./mvnw -B -q package -DskipTests -Dasl.skip=true -Dterraform.skip=true -Dpackaging.skip=true \
  -Dlambda=native -Dquarkus.native.container-build=false \
  -Dsagaline.build.directory="$PWD/$out/build" >"$out/build.log" 2>&1
status=$?
set -e
[ $status -ne 0 ] || fail "the native build succeeded without native-image?"
grep -q 'native-image is not installed here: arguments recorded' "$out/build.log" || { tail -40 "$out/build.log" >&2; fail "the native build stopped before native-image (log: $out/build.log)"; }
[ -s "$out/native-image.args" ] || fail "native-image was not called"
grep -q -- '--features=.*io.quarkus.runner.Feature' "$out/native-image.args" || fail "no Quarkus feature in the native-image arguments"
grep -q -- '--no-fallback' "$out/native-image.args" || fail "native-image would fall back to a JVM image"
source_jar=$(ls "$out"/build/*-native-image-source-jar/*-runner.jar)
reflection=$(unzip -p "$source_jar" META-INF/native-image/reflect-config.json)
for type in io.sagaline.orders.ApproveOrderFunction\$Task io.sagaline.platform.messaging.Envelope \
    io.sagaline.orders.OrderApi\$OrderView io.sagaline.orders.OrderApi\$Quote io.sagaline.platform.http.Problem io.sagaline.platform.Catalog\$Queue \
    io.sagaline.platform.database.PrepareDatabaseFunction\$Prepared \
    io.sagaline.access.ApiKeys\$Issued com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent \
    com.amazonaws.services.lambda.runtime.events.SQSEvent com.amazonaws.services.lambda.runtime.events.SQSBatchResponse; do
  grep -qF "\"$type\"" <<<"$reflection" || fail "reflection configuration lacks $type"
done
if unzip -Z1 "$source_jar" | grep -E '^(io/sagaline/local/.|META-INF/services/io.smallrye.config.ConfigSourceFactory$)'; then
  fail "the native image would carry the local runtime (above)"
fi
libs=$(ls "$(dirname "$source_jar")/lib")
if grep -E '(elasticmq|embedded-postgres|embedded-redis|pekko|jsonata|json-path)' <<<"$libs"; then
  fail "the native image would carry a library of the local runtime (above)"
fi
echo "check-packages: native build ready up to native-image ($(wc -l <"$out/native-image.args") arguments, $(grep -o '"name"' <<<"$reflection" | wc -l) reflective types)"
