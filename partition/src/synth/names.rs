use rand::Rng;
use rand::seq::IndexedRandom;
use std::collections::HashSet;

const FIRST: [&str; 40] = [
    "东", "西", "南", "北", "清", "长", "青", "黄", "白", "石", "金", "龙", "凤", "新", "安", "平",
    "兴", "福", "和", "永", "太", "大", "小", "上", "下", "高", "双", "三", "桃", "杨", "柳", "松",
    "梅", "云", "望", "丰", "乐", "富", "文", "宝",
];
const SECOND: [&str; 40] = [
    "山", "水", "河", "湖", "桥", "塘", "坪", "岭", "溪", "洲", "田", "林", "港", "湾", "坝", "岗",
    "阳", "源", "口", "滩", "家", "庄", "寨", "埠", "冈", "圩", "园", "泉", "门", "城", "江", "峰",
    "亭", "院", "堡", "村", "沟", "坊", "铺", "店",
];

/// Unique two-character place names, deterministic by the rng.
pub(crate) struct NameMaker {
    used: HashSet<String>,
}

impl NameMaker {
    pub fn new() -> Self {
        Self {
            used: HashSet::new(),
        }
    }

    /// A name not handed out before, with `suffix` (镇, 村, 社区…).
    pub fn make<R: Rng>(&mut self, rng: &mut R, suffix: &str) -> String {
        for attempt in 0.. {
            let a = FIRST.choose(rng).copied().unwrap_or("东");
            let b = SECOND.choose(rng).copied().unwrap_or("山");
            let base = if attempt < 50 {
                format!("{a}{b}")
            } else {
                format!("{a}{b}{}", attempt - 49)
            };
            if self.used.insert(base.clone()) {
                return format!("{base}{suffix}");
            }
        }
        unreachable!("the loop returns")
    }
}
