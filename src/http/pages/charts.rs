//! Bar charts drawn by our own code as inline SVG. These are pure functions that turn
//! `(label, value)` points into bar geometry; the template writes it out as
//! `<rect class="bar" x=… y=… width=… height=…>`. No chart library and no script are needed,
//! and no inline style either (the CSP forbids it; colours come from `.chart` in app.css).
//! Coordinates are rounded to 0.1 so the markup stays short and stable.

/// One bar, its label and its value label, in the chart's own coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Where the category label goes (its anchor is `label_anchor` of the chart).
    pub label_x: f64,
    pub label_y: f64,
    /// Where the number goes: above a column, or after the end of a row's bar.
    pub value_x: f64,
    pub value_y: f64,
}

/// A whole chart: its size (the SVG `viewBox`), its bars, the baseline and a sentence that
/// lists every value for people who cannot see it (the SVG's `aria-label`).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// `columns` or `rows`: a class for the page's layout (a wide chart may scroll on phones).
    pub kind: &'static str,
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// The axis line from (`axis_x1`, `axis_y1`) to (`axis_x2`, `axis_y2`).
    pub axis_x1: f64,
    pub axis_y1: f64,
    pub axis_x2: f64,
    pub axis_y2: f64,
    /// `middle` under columns, `end` before rows.
    pub label_anchor: &'static str,
    /// `middle` above columns, `start` after rows.
    pub value_anchor: &'static str,
    pub description: String,
}

impl BarChart {
    /// The `viewBox` attribute.
    pub fn view_box(&self) -> String {
        format!("0 0 {} {}", self.width, self.height)
    }

    /// True when every value is zero (the page then says so instead of showing a flat line).
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|bar| bar.value == 0)
    }
}

/// Width of a column chart's drawing space; the SVG scales to its container, and these
/// widths keep 12px text near its real size where the page places each kind of chart.
pub const COLUMNS_WIDTH: f64 = 900.0;
/// Width of a row chart's drawing space.
pub const ROWS_WIDTH: f64 = 480.0;
const COLUMN_PLOT_HEIGHT: f64 = 160.0;
const COLUMN_TOP: f64 = 18.0;
const COLUMN_LABEL_SPACE: f64 = 24.0;
const SIDE: f64 = 8.0;
const ROW_HEIGHT: f64 = 28.0;
const ROW_BAR: f64 = 18.0;
const ROW_LABEL_SPACE: f64 = 140.0;
const ROW_VALUE_SPACE: f64 = 40.0;
/// Longer row labels are cut (the table next to the chart has them in full).
const ROW_LABEL_CHARS: usize = 20;

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The length of a bar for `value` when `max` fills `space`; a non-zero value always shows
/// at least a sliver, so "one" never looks like "none".
fn length(value: i64, max: i64, space: f64) -> f64 {
    if value <= 0 {
        return 0.0;
    }
    round((value as f64 / max.max(1) as f64 * space).max(1.0))
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= ROW_LABEL_CHARS {
        return label.to_string();
    }
    let cut: String = label.chars().take(ROW_LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// `"Title: a 1, b 2."`: the text alternative listing every value.
pub fn describe(title: &str, points: &[(String, i64)]) -> String {
    if points.is_empty() {
        return format!("{title}: no data.");
    }
    let values: Vec<String> = points
        .iter()
        .map(|(label, value)| format!("{label} {value}"))
        .collect();
    format!("{title}: {}.", values.join(", "))
}

/// Vertical bars side by side (e.g. one per week), labels underneath, values on top.
pub fn columns(title: &str, points: &[(String, i64)]) -> BarChart {
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let baseline = COLUMN_TOP + COLUMN_PLOT_HEIGHT;
    let slot = (COLUMNS_WIDTH - 2.0 * SIDE) / points.len().max(1) as f64;
    let bar_width = round(slot * 0.64);
    let bars = points
        .iter()
        .enumerate()
        .map(|(index, (label, value))| {
            let height = length(*value, max, COLUMN_PLOT_HEIGHT);
            let x = round(SIDE + index as f64 * slot + (slot - bar_width) / 2.0);
            let centre = round(x + bar_width / 2.0);
            Bar {
                label: label.clone(),
                value: *value,
                x,
                y: round(baseline - height),
                width: bar_width,
                height,
                label_x: centre,
                label_y: round(baseline + 16.0),
                value_x: centre,
                value_y: round(baseline - height - 5.0),
            }
        })
        .collect();
    BarChart {
        kind: "columns",
        width: COLUMNS_WIDTH,
        height: baseline + COLUMN_LABEL_SPACE,
        bars,
        axis_x1: SIDE,
        axis_y1: baseline,
        axis_x2: COLUMNS_WIDTH - SIDE,
        axis_y2: baseline,
        label_anchor: "middle",
        value_anchor: "middle",
        description: describe(title, points),
    }
}

/// Horizontal bars one under the other (e.g. one per person), labels on the left, values
/// after each bar's end; the chart grows with the number of rows.
pub fn rows(title: &str, points: &[(String, i64)]) -> BarChart {
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let left = ROW_LABEL_SPACE;
    let space = ROWS_WIDTH - left - ROW_VALUE_SPACE;
    let bars = points
        .iter()
        .enumerate()
        .map(|(index, (label, value))| {
            let top = SIDE + index as f64 * ROW_HEIGHT;
            let width = length(*value, max, space);
            let middle = round(top + ROW_BAR / 2.0 + 4.0);
            Bar {
                label: shorten(label),
                value: *value,
                x: left,
                y: round(top),
                width,
                height: ROW_BAR,
                label_x: left - 8.0,
                label_y: middle,
                value_x: round(left + width + 6.0),
                value_y: middle,
            }
        })
        .collect();
    let height =
        round(2.0 * SIDE + points.len().max(1) as f64 * ROW_HEIGHT - (ROW_HEIGHT - ROW_BAR));
    BarChart {
        kind: "rows",
        width: ROWS_WIDTH,
        height,
        bars,
        axis_x1: left,
        axis_y1: SIDE - 4.0,
        axis_x2: left,
        axis_y2: height - SIDE + 4.0,
        label_anchor: "end",
        value_anchor: "start",
        description: describe(title, points),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[i64]) -> Vec<(String, i64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("p{i}"), *v))
            .collect()
    }

    #[test]
    fn the_largest_column_fills_the_plot_and_the_others_scale() {
        let chart = columns("Done", &points(&[0, 5, 10]));
        let baseline = COLUMN_TOP + COLUMN_PLOT_HEIGHT;
        assert_eq!(chart.bars.len(), 3);
        assert_eq!(chart.bars[2].height, COLUMN_PLOT_HEIGHT);
        assert_eq!(chart.bars[2].y, COLUMN_TOP);
        assert_eq!(chart.bars[1].height, COLUMN_PLOT_HEIGHT / 2.0);
        assert_eq!(chart.bars[0].height, 0.0);
        for bar in &chart.bars {
            assert_eq!(
                bar.y + bar.height,
                baseline,
                "every column stands on the axis"
            );
            assert!(bar.x >= 0.0 && bar.x + bar.width <= chart.width);
        }
        assert!(chart.bars[0].x < chart.bars[1].x && chart.bars[1].x < chart.bars[2].x);
        assert_eq!(chart.axis_y1, baseline);
        assert_eq!(
            chart.view_box(),
            format!("0 0 {} {}", COLUMNS_WIDTH, chart.height)
        );
    }

    #[test]
    fn all_zero_or_no_data_draws_nothing_and_never_divides_by_zero() {
        let chart = columns("Done", &points(&[0, 0, 0]));
        assert!(chart.is_empty());
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.height == 0.0 && b.y.is_finite())
        );
        let chart = rows("Owners", &[]);
        assert!(chart.bars.is_empty() && chart.is_empty());
        assert!(chart.height > 0.0);
        assert_eq!(chart.description, "Owners: no data.");
    }

    #[test]
    fn a_small_value_next_to_a_huge_one_still_shows() {
        let chart = rows("Owners", &points(&[100_000, 1]));
        assert!(chart.bars[1].width >= 1.0);
        assert!(!chart.is_empty());
    }

    #[test]
    fn rows_stack_downwards_and_grow_the_chart() {
        let three = rows("Owners", &points(&[3, 2, 1]));
        let six = rows("Owners", &points(&[3, 2, 1, 1, 1, 1]));
        assert!(six.height > three.height);
        assert_eq!(three.bars[1].y - three.bars[0].y, ROW_HEIGHT);
        assert_eq!(
            three.bars[0].width,
            ROWS_WIDTH - ROW_LABEL_SPACE - ROW_VALUE_SPACE
        );
        for bar in &six.bars {
            assert!(bar.y + bar.height <= six.height);
            assert!(bar.value_x <= ROWS_WIDTH);
        }
        assert_eq!(three.label_anchor, "end");
    }

    #[test]
    fn long_labels_are_cut_and_the_description_lists_every_value() {
        let long = "A very long person name that does not fit".to_string();
        let chart = rows("Workload", &[(long.clone(), 4), ("Sam".into(), 2)]);
        assert!(chart.bars[0].label.ends_with('…'));
        assert!(chart.bars[0].label.chars().count() <= ROW_LABEL_CHARS);
        assert_eq!(chart.description, format!("Workload: {long} 4, Sam 2."));
    }
}
