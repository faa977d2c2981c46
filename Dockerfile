# The sandbox as a container image, for CI services (see docs/guides/offline-ci.md):
#   docker build -t terraform-provider-scalable-sandbox .
#   docker run --rm -p 127.0.0.1:8080:8080 -e SANDBOX_TOKEN=<16+ characters> terraform-provider-scalable-sandbox
# The binary is static (scripts/build-static.sh, CGO_ENABLED=0; .ci/run checks
# that it is) on a distroless base with no shell, running as a non-root user.
ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS TARGETARCH VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH VERSION=$VERSION scripts/build-static.sh /out/terraform-provider-scalable

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/terraform-provider-scalable /usr/local/bin/terraform-provider-scalable
USER nonroot:nonroot
EXPOSE 8080
# Listening beyond the container's loopback needs --allow-remote and a token of
# its own: without SANDBOX_TOKEN (16+ characters) the sandbox refuses to start.
# Every flag can be set as SANDBOX_<FLAG> (SANDBOX_TIME_SCALE=0.05), since CI
# services such as GitHub Actions' take no arguments.
ENTRYPOINT ["/usr/local/bin/terraform-provider-scalable", "sandbox"]
CMD ["--listen", "0.0.0.0:8080", "--allow-remote"]
