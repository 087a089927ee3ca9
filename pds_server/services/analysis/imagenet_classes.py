"""The 1000 ImageNet-1k (ILSVRC-2012) class names, in the index order of the classifier's outputs.

Each class's first (most common) WordNet name, as in examples/simple/labels_map.txt of
github.com/ml-illustrated/EfficientNet-Lite-PyTorch (Apache-2.0). Packed as data: each line of _PACKED starts with
the index of its first name, then names separated by "|". Checked against the network: the chelsea photo is 282
(tiger cat, one of the cats 281-285), the coffee photo 967 (espresso) and 968 (cup).
"""

_PACKED = """
0 tench|goldfish|great white shark|tiger shark|hammerhead|electric ray|stingray|cock|hen|ostrich|brambling
11 goldfinch|house finch|junco|indigo bunting|robin|bulbul|jay|magpie|chickadee|water ouzel|kite|bald eagle
23 vulture|great grey owl|European fire salamander|common newt|eft|spotted salamander|axolotl|bullfrog|tree frog
32 tailed frog|loggerhead|leatherback turtle|mud turtle|terrapin|box turtle|banded gecko|common iguana
40 American chameleon|whiptail|agama|frilled lizard|alligator lizard|Gila monster|green lizard|African chameleon
48 Komodo dragon|African crocodile|American alligator|triceratops|thunder snake|ringneck snake|hognose snake
55 green snake|king snake|garter snake|water snake|vine snake|night snake|boa constrictor|rock python
63 Indian cobra|green mamba|sea snake|horned viper|diamondback|sidewinder|trilobite|harvestman|scorpion
72 black and gold garden spider|barn spider|garden spider|black widow|tarantula|wolf spider|tick|centipede
80 black grouse|ptarmigan|ruffed grouse|prairie chicken|peacock|quail|partridge|African grey|macaw
89 sulphur-crested cockatoo|lorikeet|coucal|bee eater|hornbill|hummingbird|jacamar|toucan|drake
98 red-breasted merganser|goose|black swan|tusker|echidna|platypus|wallaby|koala|wombat|jellyfish|sea anemone
109 brain coral|flatworm|nematode|conch|snail|slug|sea slug|chiton|chambered nautilus|Dungeness crab|rock crab
120 fiddler crab|king crab|American lobster|spiny lobster|crayfish|hermit crab|isopod|white stork|black stork
129 spoonbill|flamingo|little blue heron|American egret|bittern|crane|limpkin|European gallinule|American coot
138 bustard|ruddy turnstone|red-backed sandpiper|redshank|dowitcher|oystercatcher|pelican|king penguin|albatross
147 grey whale|killer whale|dugong|sea lion|Chihuahua|Japanese spaniel|Maltese dog|Pekinese|Shih-Tzu
156 Blenheim spaniel|papillon|toy terrier|Rhodesian ridgeback|Afghan hound|basset|beagle|bloodhound|bluetick
165 black-and-tan coonhound|Walker hound|English foxhound|redbone|borzoi|Irish wolfhound|Italian greyhound
172 whippet|Ibizan hound|Norwegian elkhound|otterhound|Saluki|Scottish deerhound|Weimaraner
179 Staffordshire bullterrier|American Staffordshire terrier|Bedlington terrier|Border terrier
183 Kerry blue terrier|Irish terrier|Norfolk terrier|Norwich terrier|Yorkshire terrier|wire-haired fox terrier
189 Lakeland terrier|Sealyham terrier|Airedale|cairn|Australian terrier|Dandie Dinmont|Boston bull
196 miniature schnauzer|giant schnauzer|standard schnauzer|Scotch terrier|Tibetan terrier|silky terrier
202 soft-coated wheaten terrier|West Highland white terrier|Lhasa|flat-coated retriever|curly-coated retriever
207 golden retriever|Labrador retriever|Chesapeake Bay retriever|German short-haired pointer|vizsla
212 English setter|Irish setter|Gordon setter|Brittany spaniel|clumber|English springer|Welsh springer spaniel
219 cocker spaniel|Sussex spaniel|Irish water spaniel|kuvasz|schipperke|groenendael|malinois|briard|kelpie
228 komondor|Old English sheepdog|Shetland sheepdog|collie|Border collie|Bouvier des Flandres|Rottweiler
235 German shepherd|Doberman|miniature pinscher|Greater Swiss Mountain dog|Bernese mountain dog|Appenzeller
241 EntleBucher|boxer|bull mastiff|Tibetan mastiff|French bulldog|Great Dane|Saint Bernard|Eskimo dog|malamute
250 Siberian husky|dalmatian|affenpinscher|basenji|pug|Leonberg|Newfoundland|Great Pyrenees|Samoyed|Pomeranian
260 chow|keeshond|Brabancon griffon|Pembroke|Cardigan|toy poodle|miniature poodle|standard poodle
268 Mexican hairless|timber wolf|white wolf|red wolf|coyote|dingo|dhole|African hunting dog|hyena|red fox
278 kit fox|Arctic fox|grey fox|tabby|tiger cat|Persian cat|Siamese cat|Egyptian cat|cougar|lynx|leopard
289 snow leopard|jaguar|lion|tiger|cheetah|brown bear|American black bear|ice bear|sloth bear|mongoose|meerkat
300 tiger beetle|ladybug|ground beetle|long-horned beetle|leaf beetle|dung beetle|rhinoceros beetle|weevil|fly
309 bee|ant|grasshopper|cricket|walking stick|cockroach|mantis|cicada|leafhopper|lacewing|dragonfly|damselfly
321 admiral|ringlet|monarch|cabbage butterfly|sulphur butterfly|lycaenid|starfish|sea urchin|sea cucumber
330 wood rabbit|hare|Angora|hamster|porcupine|fox squirrel|marmot|beaver|guinea pig|sorrel|zebra|hog|wild boar
343 warthog|hippopotamus|ox|water buffalo|bison|ram|bighorn|ibex|hartebeest|impala|gazelle|Arabian camel|llama
356 weasel|mink|polecat|black-footed ferret|otter|skunk|badger|armadillo|three-toed sloth|orangutan|gorilla
367 chimpanzee|gibbon|siamang|guenon|patas|baboon|macaque|langur|colobus|proboscis monkey|marmoset|capuchin
379 howler monkey|titi|spider monkey|squirrel monkey|Madagascar cat|indri|Indian elephant|African elephant
387 lesser panda|giant panda|barracouta|eel|coho|rock beauty|anemone fish|sturgeon|gar|lionfish|puffer|abacus
399 abaya|academic gown|accordion|acoustic guitar|aircraft carrier|airliner|airship|altar|ambulance|amphibian
409 analog clock|apiary|apron|ashcan|assault rifle|backpack|bakery|balance beam|balloon|ballpoint|Band Aid|banjo
421 bannister|barbell|barber chair|barbershop|barn|barometer|barrel|barrow|baseball|basketball|bassinet|bassoon
433 bathing cap|bath towel|bathtub|beach wagon|beacon|beaker|bearskin|beer bottle|beer glass|bell cote|bib
444 bicycle-built-for-two|bikini|binder|binoculars|birdhouse|boathouse|bobsled|bolo tie|bonnet|bookcase|bookshop
455 bottlecap|bow|bow tie|brass|brassiere|breakwater|breastplate|broom|bucket|buckle|bulletproof vest
466 bullet train|butcher shop|cab|caldron|candle|cannon|canoe|can opener|cardigan|car mirror|carousel
477 carpenter's kit|carton|car wheel|cash machine|cassette|cassette player|castle|catamaran|CD player|cello
487 cellular telephone|chain|chainlink fence|chain mail|chain saw|chest|chiffonier|chime|china cabinet
496 Christmas stocking|church|cinema|cleaver|cliff dwelling|cloak|clog|cocktail shaker|coffee mug|coffeepot|coil
507 combination lock|computer keyboard|confectionery|container ship|convertible|corkscrew|cornet|cowboy boot
515 cowboy hat|cradle|crane|crash helmet|crate|crib|Crock Pot|croquet ball|crutch|cuirass|dam|desk
527 desktop computer|dial telephone|diaper|digital clock|digital watch|dining table|dishrag|dishwasher
535 disk brake|dock|dogsled|dome|doormat|drilling platform|drum|drumstick|dumbbell|Dutch oven|electric fan
546 electric guitar|electric locomotive|entertainment center|envelope|espresso maker|face powder|feather boa
553 file|fireboat|fire engine|fire screen|flagpole|flute|folding chair|football helmet|forklift|fountain
563 fountain pen|four-poster|freight car|French horn|frying pan|fur coat|garbage truck|gasmask|gas pump|goblet
573 go-kart|golf ball|golfcart|gondola|gong|gown|grand piano|greenhouse|grille|grocery store|guillotine
584 hair slide|hair spray|half track|hammer|hamper|hand blower|hand-held computer|handkerchief|hard disc
593 harmonica|harp|harvester|hatchet|holster|home theater|honeycomb|hook|hoopskirt|horizontal bar|horse cart
604 hourglass|iPod|iron|jack-o'-lantern|jean|jeep|jersey|jigsaw puzzle|jinrikisha|joystick|kimono|knee pad|knot
617 lab coat|ladle|lampshade|laptop|lawn mower|lens cap|letter opener|library|lifeboat|lighter|limousine|liner
629 lipstick|Loafer|lotion|loudspeaker|loupe|lumbermill|magnetic compass|mailbag|mailbox|maillot|maillot
640 manhole cover|maraca|marimba|mask|matchstick|maypole|maze|measuring cup|medicine chest|megalith|microphone
651 microwave|military uniform|milk can|minibus|miniskirt|minivan|missile|mitten|mixing bowl|mobile home|Model T
662 modem|monastery|monitor|moped|mortar|mortarboard|mosque|mosquito net|motor scooter|mountain bike
672 mountain tent|mouse|mousetrap|moving van|muzzle|nail|neck brace|necklace|nipple|notebook|obelisk|oboe
684 ocarina|odometer|oil filter|organ|oscilloscope|overskirt|oxcart|oxygen mask|packet|paddle|paddlewheel
695 padlock|paintbrush|pajama|palace|panpipe|paper towel|parachute|parallel bars|park bench|parking meter
705 passenger car|patio|pay-phone|pedestal|pencil box|pencil sharpener|perfume|Petri dish|photocopier|pick
715 pickelhaube|picket fence|pickup|pier|piggy bank|pill bottle|pillow|ping-pong ball|pinwheel|pirate|pitcher
726 plane|planetarium|plastic bag|plate rack|plow|plunger|Polaroid camera|pole|police van|poncho|pool table
737 pop bottle|pot|potter's wheel|power drill|prayer rug|printer|prison|projectile|projector|puck|punching bag
748 purse|quill|quilt|racer|racket|radiator|radio|radio telescope|rain barrel|recreational vehicle|reel
759 reflex camera|refrigerator|remote control|restaurant|revolver|rifle|rocking chair|rotisserie|rubber eraser
768 rugby ball|rule|running shoe|safe|safety pin|saltshaker|sandal|sarong|sax|scabbard|scale|school bus|schooner
781 scoreboard|screen|screw|screwdriver|seat belt|sewing machine|shield|shoe shop|shoji|shopping basket
791 shopping cart|shovel|shower cap|shower curtain|ski|ski mask|sleeping bag|slide rule|sliding door|slot
801 snorkel|snowmobile|snowplow|soap dispenser|soccer ball|sock|solar dish|sombrero|soup bowl|space bar
811 space heater|space shuttle|spatula|speedboat|spider web|spindle|sports car|spotlight|stage|steam locomotive
821 steel arch bridge|steel drum|stethoscope|stole|stone wall|stopwatch|stove|strainer|streetcar|stretcher
831 studio couch|stupa|submarine|suit|sundial|sunglass|sunglasses|sunscreen|suspension bridge|swab|sweatshirt
842 swimming trunks|swing|switch|syringe|table lamp|tank|tape player|teapot|teddy|television|tennis ball|thatch
854 theater curtain|thimble|thresher|throne|tile roof|toaster|tobacco shop|toilet seat|torch|totem pole
864 tow truck|toyshop|tractor|trailer truck|tray|trench coat|tricycle|trimaran|tripod|triumphal arch|trolleybus
875 trombone|tub|turnstile|typewriter keyboard|umbrella|unicycle|upright|vacuum|vase|vault|velvet
886 vending machine|vestment|viaduct|violin|volleyball|waffle iron|wall clock|wallet|wardrobe|warplane|washbasin
897 washer|water bottle|water jug|water tower|whiskey jug|whistle|wig|window screen|window shade|Windsor tie
907 wine bottle|wing|wok|wooden spoon|wool|worm fence|wreck|yawl|yurt|web site|comic book|crossword puzzle
919 street sign|traffic light|book jacket|menu|plate|guacamole|consomme|hot pot|trifle|ice cream|ice lolly
930 French loaf|bagel|pretzel|cheeseburger|hotdog|mashed potato|head cabbage|broccoli|cauliflower|zucchini
940 spaghetti squash|acorn squash|butternut squash|cucumber|artichoke|bell pepper|cardoon|mushroom|Granny Smith
949 strawberry|orange|lemon|fig|pineapple|banana|jackfruit|custard apple|pomegranate|hay|carbonara
960 chocolate sauce|dough|meat loaf|pizza|potpie|burrito|red wine|espresso|cup|eggnog|alp|bubble|cliff
973 coral reef|geyser|lakeside|promontory|sandbar|seashore|valley|volcano|ballplayer|groom|scuba diver|rapeseed
985 daisy|yellow lady's slipper|corn|acorn|hip|buckeye|coral fungus|agaric|gyromitra|stinkhorn|earthstar
996 hen-of-the-woods|bolete|ear|toilet tissue
"""


def _unpack(packed: str) -> tuple[str, ...]:
    names: list[str] = []
    for line in packed.strip().splitlines():
        start, _, rest = line.partition(" ")
        if int(start) != len(names):
            raise ValueError(f"class names out of order at {start}")
        names.extend(rest.split("|"))
    return tuple(names)


CLASSES: tuple[str, ...] = _unpack(_PACKED)
if len(CLASSES) != 1000:
    raise ValueError("expected 1000 ImageNet classes")
