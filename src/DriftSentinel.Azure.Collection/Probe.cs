namespace DriftSentinel.Azure.Collection; internal static class Probe { }
