# Build: docker build -t driftsentinel .
# Scan:  docker run --rm -v "$PWD/snap:/data/snap:ro" -v "$PWD/out:/data/out" driftsentinel scan --snapshot /data/snap --baseline /data/snap/baseline.yaml --out /data/out
# Demo:  docker run --rm -v "$PWD/out:/data/out" driftsentinel scan --demo --out /data/out
# Worker: docker run -d -p 5080:5080 -v "$PWD/worker.json:/data/worker.json:ro" -v "$PWD/state:/data/state" -v "$PWD/out:/data/out" \
#           -e DriftSentinel__Worker__Listen=http://0.0.0.0:5080 driftsentinel worker --config /data/worker.json
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig DriftSentinel.sln ./
COPY src/ src/
COPY rules/ rules/
COPY demo/ demo/
RUN dotnet publish src/DriftSentinel.Worker/DriftSentinel.Worker.csproj -c Release -o /app

# The worker hosts /health and the dashboard with ASP.NET Core (driftsentinel.runtimeconfig.json lists
# Microsoft.AspNetCore.App), so the runtime is the aspnet image, not the plain runtime one.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# rules/ and demo/ are part of the publish output; link the apphost so the entrypoint is the tool's own name.
RUN ln -s /app/driftsentinel /usr/local/bin/driftsentinel && mkdir -p /data && chown "$APP_UID" /data
USER $APP_UID
WORKDIR /data
EXPOSE 5080
# Meaningful for the worker only; a one-off scan ends before the first check.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["driftsentinel", "health"]
ENTRYPOINT ["driftsentinel"]
CMD ["--help"]
