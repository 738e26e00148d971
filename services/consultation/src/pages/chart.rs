//! Horizontal bar charts drawn as SVG on the server: no script, readable at
//! any width, each bar labelled with its figure (never colour alone), and
//! always shown beside a table holding the same figures.

/// One bar: its label, the figure written beside it, and its share of the longest.
pub struct Bar {
    pub label: String,
    pub figure: String,
    pub value: f64,
}

/// A chart ready for the template: its height and each bar's geometry.
pub struct Chart {
    pub height: u32,
    pub bars: Vec<DrawnBar>,
}

/// A bar placed on the chart; widths in percent of the chart's width, so that
/// the text keeps its size on a phone and on a wide screen alike.
pub struct DrawnBar {
    pub label: String,
    pub figure: String,
    pub label_y: u32,
    pub bar_y: u32,
    pub width: f64,
    pub figure_x: f64,
}

/// Share of the width the longest bar takes; the rest holds its figure.
const LONGEST: f64 = 72.0;
const ROW: u32 = 48;

/// Lays out `bars`: labels above their bar, widths proportional to the largest value.
pub fn lay_out(bars: Vec<Bar>) -> Chart {
    let largest = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let drawn = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let top = u32::try_from(i).unwrap_or(u32::MAX / ROW).saturating_mul(ROW);
            // A zero keeps a sliver, so that the bar's place is visible.
            let width = if largest > 0.0 { (b.value / largest * LONGEST * 10.0).round() / 10.0 } else { 0.0 };
            let width = width.max(0.5);
            DrawnBar {
                label: b.label,
                figure: b.figure,
                label_y: top + 16,
                bar_y: top + 22,
                width,
                figure_x: width + 1.5,
            }
        })
        .collect::<Vec<_>>();
    let rows = u32::try_from(drawn.len()).unwrap_or(0);
    Chart { height: rows * ROW + 4, bars: drawn }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_to_the_largest() {
        let chart = lay_out(vec![
            Bar { label: "a".into(), figure: "10".into(), value: 10.0 },
            Bar { label: "b".into(), figure: "5".into(), value: 5.0 },
            Bar { label: "c".into(), figure: "0".into(), value: 0.0 },
        ]);
        assert_eq!(chart.bars[0].width, 72.0);
        assert_eq!(chart.bars[1].width, 36.0);
        assert_eq!(chart.bars[2].width, 0.5, "a zero stays visible");
        assert_eq!(chart.height, 3 * 48 + 4);
        assert!(chart.bars[1].bar_y > chart.bars[0].bar_y);
    }

    #[test]
    fn nothing_to_draw_draws_nothing() {
        let chart = lay_out(vec![Bar { label: "a".into(), figure: "0".into(), value: 0.0 }]);
        assert_eq!(chart.bars[0].width, 0.5);
    }
}
