"""The tags a photo can get: a small vocabulary of things people search their photos for, each named in English and
Simplified Chinese (with a few synonyms), under a parent (cat -> pet -> animal), and fed by ImageNet-1k classes of
the classifier (``imagenet_classes.CLASSES`` indices; "a-b" is a range, both ends included).

A tag's confidence is the classifier's probability summed over the classes that reach it, itself or through a
child tag (``classify.py``). The kind tag ``screenshot`` comes only from ``classify.photo_kind`` (ImageNet's "web site"
class fires on photos of screens too); ``document`` also from classes of paper things (menu, envelope, binder).
ImageNet has no "tree", "sky" or "selfie" class, so those are not tags; people come from the face detector.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TagName:
    en: str
    zh: str
    parent: str | None = None
    synonyms: tuple[str, ...] = ()  # lowercased, English and Chinese


@dataclass(frozen=True)
class _Entry:
    key: str
    name: TagName
    classes: tuple[int, ...]


def _classes(spec: str) -> tuple[int, ...]:
    found: list[int] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        found.extend(range(int(first), int(last or first) + 1))
    if any(not 0 <= index < 1000 for index in found):
        raise ValueError(f"ImageNet class index out of range in {spec!r}")
    return tuple(found)


def _tag(key: str, en: str, zh: str, parent: str | None, synonyms: str = "", classes: str = "") -> _Entry:
    words = tuple(word.strip().lower() for word in synonyms.split(",") if word.strip())
    return _Entry(key, TagName(en, zh, parent, words), _classes(classes))


_ENTRIES = (
    # Animals. Wolves, foxes, hyenas (269-280), deer, camels, weasels, whales, crabs and the like feed "animal" only;
    # not the classes the network answers for textures and micrographs (trilobite, jellyfish, corals, worms, chiton,
    # isopod: 69 107-111 116 126).
    _tag("animal", "Animal", "动物", None, "animals, wildlife, 野生动物",
         "25-32 70-71 78-79 101-106 112-115 117-125 147-150 269-280 298-299 327-329 334-337 340 342-344 349-364"),
    _tag("pet", "Pet", "宠物", "animal", "pets", "333 338"),
    _tag("cat", "Cat", "猫", "pet", "cats, kitty, kitten, 猫咪, 小猫", "281-285"),
    _tag("dog", "Dog", "狗", "pet", "dogs, puppy, doggy, 小狗, 狗狗", "151-268"),
    _tag("big_cat", "Big cat", "猫科猛兽", "animal", "lion, tiger, leopard, cheetah, 狮子, 老虎, 豹", "286-293"),
    _tag("bear", "Bear", "熊", "animal", "bears", "294-297"),
    _tag("panda", "Panda", "熊猫", "animal", "大熊猫", "387-388"),
    _tag("bird", "Bird", "鸟", "animal", "birds, 小鸟, 鸟类", "7-24 80-100 127-146"),
    _tag("fish", "Fish", "鱼", "animal", "鱼类", "0-6 389-397"),
    _tag("insect", "Insect", "昆虫", "animal", "insects, bug, bugs, 虫子", "300-320"),
    _tag("butterfly", "Butterfly", "蝴蝶", "insect", "butterflies", "321-326"),
    _tag("spider", "Spider", "蜘蛛", "animal", "spiders", "72-77 815"),
    _tag("reptile", "Reptile", "爬行动物", "animal", "lizard, crocodile, 蜥蜴, 鳄鱼", "38-50"),
    _tag("snake", "Snake", "蛇", "reptile", "snakes", "52-68"),
    _tag("turtle", "Turtle", "乌龟", "reptile", "tortoise, 海龟", "33-37"),
    _tag("horse", "Horse", "马", "animal", "horses, pony, 骏马", "339 603"),
    _tag("cow", "Cow", "牛", "animal", "cattle, ox, buffalo, 奶牛", "345-347"),
    _tag("sheep", "Sheep", "羊", "animal", "goat, 山羊, 绵羊", "348"),
    _tag("pig", "Pig", "猪", "animal", "pigs, 小猪", "341"),
    _tag("rabbit", "Rabbit", "兔子", "animal", "bunny, 兔", "330-332"),
    _tag("monkey", "Monkey", "猴子", "animal", "ape, monkeys, 猴, 猩猩", "365-384"),
    _tag("elephant", "Elephant", "大象", "animal", "象", "101 385-386"),
    # Vehicles.
    _tag("vehicle", "Vehicle", "交通工具", None, "vehicles, 车辆",
         "405 408 450 537 573 575 586 595 612 660 690 757 802-803 847 866"),
    _tag("car", "Car", "汽车", "vehicle", "cars, automobile, 轿车, 小汽车, 车",
         "407 436 468 475 479 511 581 609 627 656 661 717 751 817"),
    _tag("truck", "Truck", "卡车", "vehicle", "lorry, 货车", "555 561 569 675 717 734 864 867"),
    _tag("bus", "Bus", "公交车", "vehicle", "coach, 巴士, 公共汽车, 大巴", "654 779 874"),
    _tag("motorcycle", "Motorcycle", "摩托车", "vehicle", "motorbike, scooter, moped, 电动车", "665 670"),
    _tag("bicycle", "Bicycle", "自行车", "vehicle", "bike, cycling, 单车", "444 671 870 880"),
    _tag("train", "Train", "火车", "vehicle", "railway, tram, 列车, 高铁, 电车", "466 547 565 705 820 829"),
    _tag("boat", "Boat", "船", "vehicle", "ship, sailing, 轮船, 帆船",
         "403 472 484 510 554 576 625 628 694 724 780 814 833 871 913-914"),
    _tag("airplane", "Airplane", "飞机", "vehicle", "plane, aircraft, aeroplane, 航班", "404 895 908"),
    # Food and drink.
    _tag("food", "Food", "食物", None, "meal, dish, 美食, 食品, 菜",
         "809 923-926 935 959 962 964-965"),
    _tag("fruit", "Fruit", "水果", "food", "fruits, apple, banana, orange, 苹果, 香蕉", "948-957 989"),
    _tag("vegetable", "Vegetable", "蔬菜", "food", "vegetables, veggies, 青菜", "936-946 987 998"),
    _tag("mushroom", "Mushroom", "蘑菇", "food", "fungus, mushrooms, 菌", "947 991-997"),
    _tag("bread", "Bread", "面包", "food", "bakery, bagel, 烘焙", "415 930-932"),
    _tag("dessert", "Dessert", "甜点", "food", "cake, ice cream, sweets, candy, 蛋糕, 冰淇淋, 甜品",
         "509 927-929 960"),
    _tag("pizza", "Pizza", "披萨", "food", "比萨", "963"),
    _tag("burger", "Burger", "汉堡", "food", "hamburger, hot dog, fast food, 快餐", "933-934"),
    _tag("drink", "Drink", "饮品", None, "drinks, beverage, 饮料", "737 898-899 968-969"),
    _tag("coffee", "Coffee", "咖啡", "drink", "espresso, latte, cappuccino, 拿铁", "504-505 550 967"),
    _tag("tea", "Tea", "茶", "drink", "茶壶, 喝茶", "849"),
    _tag("alcohol", "Alcohol", "酒", "drink", "wine, beer, cocktail, 葡萄酒, 啤酒, 红酒",
         "440-441 503 572 901 907 966"),
    # Plants and scenery.
    _tag("plant", "Plant", "植物", None, "plants, nature, 自然", "958 988 990"),
    _tag("flower", "Flower", "花", "plant", "flowers, blossom, 鲜花, 花朵", "984-986"),
    _tag("landscape", "Landscape", "风景", None, "scenery, view, outdoors, 景色, 风光", "974"),
    _tag("beach", "Beach", "海滩", "landscape", "seaside, shore, coast, 沙滩, 海边", "977-978"),
    _tag("sea", "Sea", "大海", "landscape", "ocean, underwater, 海, 海洋", "460 801 973 976 978 983"),
    _tag("mountain", "Mountain", "山", "landscape", "mountains, hill, hiking, 山峰, 爬山", "970 972 976 979-980"),
    _tag("snow", "Snow", "雪", "landscape", "snowy, winter, skiing, 下雪, 雪景, 冬天", "537 795 802-803 970"),
    _tag("lake", "Lake", "湖", "landscape", "lakeside, 湖泊, 湖边", "449 975"),
    _tag("camping", "Camping", "露营", "landscape", "tent, 帐篷", "672 797"),
    # Buildings and places.
    _tag("building", "Building", "建筑", None, "architecture, house, 房子, 建筑物",
         "410 425 500 538 580 649 682 727 743 858 853 863 873 900 915"),
    _tag("church", "Church", "教堂", "building", "cathedral, chapel, 礼拜堂", "442 497"),
    _tag("temple", "Temple", "寺庙", "building", "mosque, monastery, pagoda, stupa, 寺, 庙, 清真寺", "663 668 832"),
    _tag("castle", "Castle", "城堡", "building", "palace, 宫殿", "483 698"),
    _tag("bridge", "Bridge", "桥", "building", "bridges, 桥梁, 大桥", "821 839 888"),
    _tag("shop", "Shop", "商店", "building", "store, supermarket, shopping, 超市, 店铺, 购物",
         "424 454 467 582 788 790-791 860 865"),
    _tag("restaurant", "Restaurant", "餐厅", "building", "cafe, 饭店, 餐馆", "762"),
    _tag("street", "Street", "街道", None, "city, road, town, traffic, 城市, 马路, 街景",
         "640 704 919-920"),
    # Things.
    _tag("electronics", "Electronics", "电子产品", None, "gadget, devices, 数码, 电器",
         "482 485 545 605 632 650 662 688 754 761 848"),
    _tag("computer", "Computer", "电脑", "electronics", "laptop, pc, keyboard, 笔记本电脑, 计算机, 键盘",
         "508 527 590 592 620 664 673 681 782 810 878"),
    _tag("phone", "Phone", "手机", "electronics", "mobile, smartphone, telephone, cellphone, 电话, 智能手机",
         "487 528 707"),
    _tag("tv", "TV", "电视", "electronics", "television, 电视机", "548 598 851"),
    _tag("camera", "Camera", "相机", "electronics", "cameras, 照相机, 摄影", "622 732 759 872"),
    _tag("clock", "Clock", "钟表", None, "watch, clocks, 手表, 时钟", "409 530-531 826 835 892"),
    _tag("book", "Book", "书", None, "books, reading, library, 书籍, 图书, 图书馆", "453 624 917 921"),
    _tag("document", "Document", "文档", None,
         "documents, paper, scan, receipt, invoice, letter, 文件, 扫描, 收据, 发票, 小票, 单据",
         "446 549 713 918 922"),
    _tag("screenshot", "Screenshot", "截图", None, "screenshots, screen capture, 屏幕截图, 截屏"),  # photo_kind
    _tag("clothing", "Clothing", "服装", None, "clothes, outfit, fashion, 衣服, 穿搭",
         "399 411 433 445 451-452 457 459 474 501 515 552 568 601 608 610 614 617 638-639 652 655 658 689 697 "
         "735 775 793 806 808 824 834 841-842 869 887 906"),
    _tag("shoes", "Shoes", "鞋", "clothing", "shoe, sneakers, boots, 鞋子, 运动鞋", "502 514 630 770 774"),
    _tag("bag", "Bag", "包", "clothing", "handbag, backpack, wallet, 背包, 手提包, 钱包", "414 636 748 893"),
    _tag("toy", "Toy", "玩具", None, "toys, teddy bear, puzzle, 玩偶, 毛绒玩具", "611 719 723 850"),
    _tag("instrument", "Musical instrument", "乐器", None, "instrument, music, 音乐",
         "401 420 432 486 494 513 541 558 566 577 593-594 641-642 683-684 687 699 776 822 875 889"),
    _tag("guitar", "Guitar", "吉他", "instrument", "guitars", "402 546"),
    _tag("piano", "Piano", "钢琴", "instrument", "keyboard instrument", "579 881"),
    _tag("sports", "Sports", "运动", None, "sport, fitness, gym, ball, 体育, 健身, 球",
         "416 422 429-430 522 543 560 574 602 702 722 746-747 752 768 805 852 890 981"),
    _tag("furniture", "Furniture", "家具", None, "chair, sofa, table, bed, 沙发, 椅子, 桌子, 床",
         "423 492-493 495 526 532 559 564 703 721 750 765 831 857 894"),
    _tag("kitchen", "Kitchen", "厨房", None, "cooking, cookware, 厨具, 做饭",
         "469 499 521 534 544 567 618 647 651 659 729 760 766 813 827-828 859 891 909-910"),
    _tag("baby", "Baby", "宝宝", None, "infant, 婴儿, 宝贝", "431 516 520 529 680"),
    _tag("person", "Person", "人物", None, "people, human, 人, 人像", "981-983"),
    _tag("wedding", "Wedding", "婚礼", None, "bride, groom, 结婚, 新娘, 新郎", "578 982"),
    _tag("graduation", "Graduation", "毕业", None, "graduate, 毕业典礼", "400 667"),
)  # fmt: skip

TAGS: dict[str, TagName] = {entry.key: entry.name for entry in _ENTRIES}
CLASS_TAGS: dict[str, tuple[int, ...]] = {entry.key: entry.classes for entry in _ENTRIES if entry.classes}


def _check() -> None:
    if len(TAGS) != len(_ENTRIES):
        raise ValueError("a tag key is defined twice")
    for key, name in TAGS.items():
        seen = set()
        parent = name.parent
        while parent is not None:
            if parent not in TAGS or parent in seen or parent == key:
                raise ValueError(f"tag {key!r} has a bad parent chain at {parent!r}")
            seen.add(parent)
            parent = TAGS[parent].parent


_check()


def tag_names(key: str) -> TagName:
    """The names of a vocabulary key; an unknown key (say of an older vocabulary) is named by itself."""
    return TAGS.get(key) or TagName(key, key)


def ancestors(key: str) -> list[str]:
    """The key's parent, its parent's parent, ... (cat -> ["pet", "animal"])."""
    found: list[str] = []
    parent = TAGS[key].parent if key in TAGS else None
    while parent is not None:
        found.append(parent)
        parent = TAGS[parent].parent
    return found


def _index() -> list[tuple[str, str]]:
    pairs = set()
    for key, name in TAGS.items():
        for word in (key, name.en, name.zh, *name.synonyms):
            pairs.add((word.casefold(), key))
    return sorted(pairs)


_INDEX = _index()


def tags_matching(word: str) -> list[str]:
    """Keys whose key, English or Chinese name, or a synonym equals or starts with ``word``, case-insensitive;
    exact matches first: "cat" -> ["cat", "camera", "camping"], "猫" -> ["cat", "big_cat"]."""
    word = word.strip().casefold()
    if not word:
        return []
    found = {key for name, key in _INDEX if name.startswith(word)}
    return sorted(found, key=lambda key: (not _names_equal(key, word), key))


def _names_equal(key: str, word: str) -> bool:
    name = TAGS[key]
    return word in (key, name.en.casefold(), name.zh.casefold(), *name.synonyms)
