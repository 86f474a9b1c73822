namespace EdgeInspect.Worker.Monitoring;

internal static class ProcessMetricsPlaceholder
{
    public static void WriteTo(IDictionary<string, double> values) => values["process.gc.gen2"] = GC.CollectionCount(2);
}
