// Ant Design writes a component's styles the first time the component is drawn, in the browser; for
// the trace page's pagination (with its page-size select), descriptions and tags that is tens of
// milliseconds of a drill-down. Drawn once, hidden, while the browser is idle after the first page,
// they are written before anyone clicks a figure (the styles stay once written).
import { Descriptions, Pagination, Tag } from "antd";

export default function Warmup() {
  return (
    <div hidden aria-hidden="true">
      <Pagination size="small" total={500} pageSize={50} showSizeChanger pageSizeOptions={[50, 100, 500]} />
      <Descriptions size="small" bordered column={4} items={[{ key: "k", label: "k", children: "v" }]} />
      <Tag color="#166534">·</Tag>
    </div>
  );
}
