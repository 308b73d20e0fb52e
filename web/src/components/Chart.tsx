// An ECharts chart, loaded on demand: echarts is in a chunk of its own, fetched the first time a chart
// is drawn, and only the modules used are bundled (echarts/core).
import { Spin } from "antd";
import { lazy, Suspense } from "react";
import type { ChartProps } from "./ChartImpl";

const ChartImpl = lazy(() => import("./ChartImpl"));

export function Chart(props: ChartProps) {
  return (
    <Suspense fallback={<Spin />}>
      <ChartImpl {...props} />
    </Suspense>
  );
}
