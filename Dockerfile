# Build: docker build -t driftsentinel .
# Run:   docker run --rm -v "$PWD/snap:/data/snap:ro" -v "$PWD/out:/data/out" driftsentinel scan --snapshot /data/snap --baseline /data/snap/baseline.yaml --out /data/out
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig DriftSentinel.sln ./
COPY src/ src/
COPY rules/ rules/
COPY demo/ demo/
RUN dotnet publish src/DriftSentinel.Worker/DriftSentinel.Worker.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# rules/ and demo/ are part of the publish output; link the apphost so the entrypoint is the tool's own name.
RUN ln -s /app/driftsentinel /usr/local/bin/driftsentinel && mkdir -p /data && chown "$APP_UID" /data
USER $APP_UID
WORKDIR /data
ENTRYPOINT ["driftsentinel"]
CMD ["--help"]
